// casebook's search page, on Pagefind's JS API: the header box is the query,
// facets with counts filter, results show title, date, severity, systems and a
// highlighted excerpt. Everything is static files: no server.
const root = document.body.dataset.root || "";
const input = document.getElementById("search-input");
const facetsEl = document.getElementById("facets");
const resultsEl = document.getElementById("results");
const countEl = document.getElementById("search-count");
const sortEl = document.getElementById("search-sort");
const FACETS = [["system", "System"], ["severity", "Severity"], ["year", "Year"], ["status", "Status"], ["follow-ups", "Follow-ups"], ["tag", "Tag"]];
const selected = {};
let pagefind;
let totals; // every facet value with its count over the whole archive
let seq = 0;

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

const PAGE = 10;
const scale = (document.body.dataset.severities || "").split(",").filter(Boolean);

function result(d) {
  const li = el("li", { class: "result" });
  const head = el("div", { class: "incident-line" });
  if (d.meta.severity) {
    const rank = scale.indexOf(d.meta.severity);
    head.appendChild(el("span", { class: "sev sev-" + (rank < 0 ? scale.length : rank) }, d.meta.severity));
  }
  head.appendChild(el("a", { class: "incident-title", href: link(d.url) }, d.meta.title));
  if (d.meta.status && d.meta.status !== "resolved") head.appendChild(el("span", { class: "status status-" + d.meta.status }, d.meta.status));
  const meta = el("div", { class: "incident-meta" });
  meta.appendChild(el("time", { datetime: d.meta.date }, d.meta.date));
  if (d.meta.systems) meta.appendChild(el("span", {}, d.meta.systems));
  const excerpt = el("p", { class: "excerpt" });
  // Pagefind escapes the page text and adds only <mark> around matches.
  excerpt.innerHTML = d.excerpt;
  li.append(head, meta, excerpt);
  return li;
}

function link(url) {
  // Pagefind records are rooted at "/"; the site may live under any sub-path.
  return root + url.replace(/^\//, "");
}

function renderFacets(available, totals) {
  facetsEl.replaceChildren();
  for (const [key, label] of FACETS) {
    const values = totals[key];
    if (!values || Object.keys(values).length === 0) continue;
    const fs = el("fieldset", { class: "facet" });
    fs.appendChild(el("legend", {}, label));
    const names = Object.keys(values).sort((a, b) => key === "year" ? b.localeCompare(a) : a.localeCompare(b));
    for (const name of names) {
      const count = (available[key] || {})[name] || 0;
      const id = "f-" + key + "-" + name.replace(/[^a-z0-9]/gi, "_");
      const wrap = el("div", { class: "facet-option" + (count === 0 ? " is-empty" : "") });
      const box = el("input", { type: "checkbox", id, "data-facet": key, value: name });
      box.checked = (selected[key] || []).includes(name);
      const lab = el("label", { for: id }, name + " ");
      lab.appendChild(el("span", { class: "facet-count" }, String(count)));
      wrap.append(box, lab);
      fs.appendChild(wrap);
    }
    facetsEl.appendChild(fs);
  }
}

async function run() {
  const mine = ++seq;
  const q = (input.value || "").trim();
  const url = new URL(location.href);
  if (q) url.searchParams.set("q", q); else url.searchParams.delete("q");
  history.replaceState(null, "", url);
  const filters = {};
  for (const [k, v] of Object.entries(selected)) if (v.length) filters[k] = { any: v };
  const options = { filters };
  if (sortEl.value) options.sort = { date: sortEl.value };
  // Pagefind counts facet values only for filter chunks it has loaded, and a
  // search without filters loads none: the totals, loaded once in start(),
  // make sure every chunk is there before the first search counts.
  const search = await pagefind.search(q || null, options);
  if (mine !== seq || !search) return;
  renderFacets(search.filters || {}, totals);
  countEl.textContent = search.results.length + (search.results.length === 1 ? " incident" : " incidents");
  resultsEl.replaceChildren();
  // Each result's fragment is a separate download: fetch a page of them at a time.
  let shown = 0;
  async function more() {
    const page = await Promise.all(search.results.slice(shown, shown + PAGE).map((r) => r.data()));
    if (mine !== seq) return;
    shown += page.length;
    resultsEl.querySelector(".more")?.remove();
    for (const d of page) resultsEl.appendChild(result(d));
    if (shown < search.results.length) {
      const li = el("li", { class: "more" });
      const button = el("button", { type: "button" }, "Show more (" + (search.results.length - shown) + " left)");
      button.addEventListener("click", more);
      li.appendChild(button);
      resultsEl.appendChild(li);
    }
  }
  await more();
  const data = search.results;
  if (data.length === 0) resultsEl.appendChild(el("li", { class: "empty" }, "No incidents match. Try fewer words or remove a filter."));
}

async function start() {
  try {
    // import() resolves against this script's URL, not the page's: make the
    // page-relative root absolute first, or a site under a sub-path loads
    // pagefind.js from the wrong folder.
    pagefind = await import(new URL(root + "search/pagefind.js", document.baseURI).href);
  } catch (e) {
    countEl.textContent = "The search index is missing from this build.";
    return;
  }
  await pagefind.options({ excerptLength: 28 });
  await pagefind.init();
  totals = await pagefind.filters();
  const q = new URL(location.href).searchParams.get("q") || "";
  input.value = q;
  input.form.addEventListener("submit", (e) => { e.preventDefault(); run(); });
  let timer;
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(run, 120); });
  sortEl.addEventListener("change", run);
  facetsEl.addEventListener("change", (e) => {
    const box = e.target;
    if (!box.dataset.facet) return;
    const list = selected[box.dataset.facet] || (selected[box.dataset.facet] = []);
    if (box.checked) list.push(box.value); else list.splice(list.indexOf(box.value), 1);
    run();
  });
  if (!q) input.focus();
  run();
}
start();

// casebook's search page, on Pagefind's JS API: the page's own box is the query,
// facets with counts filter, results show title, date, severity, systems and a
// highlighted excerpt. Everything is static files: no server.
//
// Bytes matter on a big archive: at 10,000 write-ups Pagefind's six filter
// chunks (which the facet counts need) weigh more than everything else a first
// query loads, so they are fetched when the reader opens "Filters", not before.
// Pagefind's web worker is not used: it is a second copy of Pagefind's code
// (43 KB), and a search of a static index is short enough for the main thread.
const root = document.body.dataset.root || "";
const input = document.getElementById("search-input");
const facetsEl = document.getElementById("facets");
const filtersEl = document.getElementById("filters");
const resultsEl = document.getElementById("results");
const countEl = document.getElementById("search-count");
const sortEl = document.getElementById("search-sort");
const FACETS = [["system", "System"], ["severity", "Severity"], ["year", "Year"], ["status", "Status"], ["follow-ups", "Follow-ups"], ["repeat", "Repeats"], ["tag", "Tag"]];
const selected = {};
let pagefind;
let totals; // every facet value with its count over the whole archive, once "Filters" is opened
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
  // Title, date and shown date are the record's meta; severity, status and systems its filters.
  const f = d.filters || {};
  const severity = (f.severity || [])[0];
  const status = (f.status || [])[0];
  const systems = (f.system || []).join(", ");
  const li = el("li", { class: "result" });
  const head = el("div", { class: "incident-line" });
  if (severity) {
    const rank = scale.indexOf(severity);
    head.appendChild(el("span", { class: "sev sev-" + (rank < 0 ? scale.length : rank) }, severity));
  }
  head.appendChild(el("a", { class: "incident-title", href: link(d.url) }, d.meta.title));
  if (status && status !== "resolved") head.appendChild(el("span", { class: "status status-" + status }, status));
  const meta = el("div", { class: "incident-meta" });
  meta.appendChild(el("time", { datetime: d.meta.date }, d.meta.shown || d.meta.date));
  if (systems) meta.appendChild(el("span", {}, systems));
  const excerpt = el("p", { class: "excerpt" });
  // Pagefind escapes the page text and adds only <mark> around matches. A
  // result found by a system, factor, tag or follow-up title only (meta
  // fields, never excerpted) opens with the record's title: the list shows
  // it already, so the excerpt starts with the prose after it.
  excerpt.innerHTML = d.excerpt;
  const lead = d.meta.title + ".";
  if (!d.excerpt.includes("<mark>") && excerpt.textContent.startsWith(lead)) {
    // Pagefind joins an excerpt's words with single spaces.
    excerpt.innerHTML = d.excerpt.split(" ").slice(lead.split(/[^\S\uFEFF]+/).length).join(" ");
  }
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
    // Values that match nothing are hidden (unless ticked); the rest run by
    // count, most first — years newest first.
    const countOf = (name) => (available[key] || {})[name] || 0;
    const names = Object.keys(values)
      .filter((name) => countOf(name) > 0 || (selected[key] || []).includes(name))
      .sort((a, b) => key === "year" ? b.localeCompare(a) : countOf(b) - countOf(a) || a.localeCompare(b));
    if (names.length === 0) continue;
    for (const name of names) {
      const count = countOf(name);
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

// The newest incidents, rendered into the page by the build: before any query,
// filter or order, the page shows them as they are instead of fetching a
// Pagefind fragment for each.
const newest = [...resultsEl.querySelectorAll("li.result")];
const incidentTotal = Number(resultsEl.dataset.total) || 0;

function counted(n) {
  return n + (n === 1 ? " incident" : " incidents");
}

async function run() {
  const mine = ++seq;
  const q = (input.value || "").trim();
  const url = new URL(location.href);
  if (q) url.searchParams.set("q", q); else url.searchParams.delete("q");
  // Ticked facets and the order are in the URL too: a search can be shared and survives Back.
  for (const [key] of FACETS) {
    url.searchParams.delete(key);
    for (const v of selected[key] || []) url.searchParams.append(key, v);
  }
  if (sortEl.value) url.searchParams.set("sort", sortEl.value); else url.searchParams.delete("sort");
  history.replaceState(null, "", url);
  const filters = {};
  for (const [k, v] of Object.entries(selected)) if (v.length) filters[k] = { any: v };
  const options = { filters };
  if (sortEl.value) options.sort = { date: sortEl.value };
  const listing = !q && !Object.keys(filters).length && !sortEl.value && newest.length > 0;
  // Pagefind counts facet values only for filter chunks it has loaded, and a
  // search without filters loads none: the totals, loaded when "Filters" is
  // opened, make sure every chunk is there before a search counts. The plain
  // listing needs no search at all until then.
  let search = null;
  if (!listing || totals) {
    search = await pagefind.search(q || null, options);
    if (mine !== seq || !search) return;
  }
  if (totals) renderFacets(search.filters || {}, totals);
  const total = listing ? incidentTotal : search.results.length;
  // Each result's fragment is a separate download: fetch a page of them at a time.
  let shown = 0;
  function moreButton() {
    if (shown >= total) return;
    const li = el("li", { class: "more" });
    const button = el("button", { type: "button" }, "Show more (" + (total - shown) + " left)");
    button.addEventListener("click", more);
    li.appendChild(button);
    resultsEl.appendChild(li);
  }
  async function more() {
    if (!search) {
      search = await pagefind.search(null, options);
      if (mine !== seq || !search) return;
    }
    const page = await Promise.all(search.results.slice(shown, shown + PAGE).map((r) => r.data()));
    if (mine !== seq) return;
    // The previous list stays until the new one is ready: no flash of nothing.
    if (shown === 0) {
      resultsEl.replaceChildren();
      countEl.textContent = counted(total);
    }
    shown += page.length;
    resultsEl.querySelector(".more")?.remove();
    for (const d of page) resultsEl.appendChild(result(d));
    moreButton();
  }
  if (listing) {
    // Pagefind lists pages in the order the build added them, newest first,
    // so "Show more" carries on where the page's own list ends.
    countEl.textContent = counted(total);
    resultsEl.replaceChildren(...newest);
    shown = newest.length;
    moreButton();
  } else {
    await more();
  }
  if (mine === seq && total === 0) resultsEl.appendChild(el("li", { class: "empty" }, "No incidents match. Try fewer words or remove a filter."));
}

async function openFilters() {
  if (!filtersEl.open || totals) return;
  facetsEl.setAttribute("aria-busy", "true");
  facetsEl.replaceChildren(el("p", { class: "facets-loading" }, "Loading filters…"));
  totals = await pagefind.filters();
  facetsEl.removeAttribute("aria-busy");
  // Search again for the counts of the current query.
  await run();
}

async function start() {
  const params = new URL(location.href).searchParams;
  const q = params.get("q") || "";
  for (const [key] of FACETS) if (params.getAll(key).length) selected[key] = params.getAll(key);
  if (["asc", "desc"].includes(params.get("sort"))) sortEl.value = params.get("sort");
  // Arriving with ticked facets: show them.
  if (Object.keys(selected).length) filtersEl.open = true;
  // Arriving with a query: the newest incidents are not its results.
  if (q) {
    resultsEl.replaceChildren();
    countEl.textContent = "Searching…";
  }
  try {
    // import() resolves against this script's URL, not the page's: make the
    // page-relative root absolute first, or a site under a sub-path loads
    // pagefind.js from the wrong folder.
    pagefind = await import(new URL(root + "search/pagefind.js", document.baseURI).href);
  } catch (e) {
    countEl.textContent = "The search index is missing from this build.";
    return;
  }
  await pagefind.options({ excerptLength: 28, noWorker: true });
  await pagefind.init();
  input.value = q;
  input.form.addEventListener("submit", (e) => { e.preventDefault(); run(); });
  let timer;
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(run, 120); });
  sortEl.addEventListener("change", run);
  filtersEl.addEventListener("toggle", openFilters);
  // Opened while Pagefind was still loading: the toggle event has passed.
  if (filtersEl.open) openFilters();
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

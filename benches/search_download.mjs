// What a browser downloads for a first search on a built casebook site.
//
//   python3 ../shared/bench/gen_corpus.py --n 10000 --flavor archive --out /tmp/c10k
//   (cd /tmp/c10k && /path/to/casebook build --as-of 2026-11-25 --output /tmp/c10k-site)
//   (cd tests/browser && npm ci)      # playwright-core, shared with the browser tests
//   node benches/search_download.mjs /tmp/c10k-site replica [--json] [--gzip]
//
// It serves SITE on 127.0.0.1 (tests/browser/static-server.mjs), opens
// search/ in a fresh browser context (empty cache) in Debian's Chromium
// (/usr/bin/chromium, or $CHROMIUM), waits for the search to be ready, types
// the one-word QUERY, waits for the results and for the network to go idle,
// and adds up every response body, by category:
//   page      casebook's own HTML, CSS, JS and icon
//   runtime   pagefind.js, pagefind-worker.js, the wasm
//   entry     pagefind-entry.json and the .pf_meta file
//   index     index/*.pf_index        filter  filter/*.pf_filter
//   fragment  fragment/*.pf_fragment  other   anything else
// split into "open" (page load until the search box is ready) and "query"
// (typing until results); with no query the page first lists the newest
// incidents (the first ten are in its HTML). The facet counts' filter chunks
// load only when "Filters" is opened, which this does not do: a first query
// does not need them. It also prints the size of SITE/search/ on disk.
// By default it serves uncompressed, so body bytes are transfer bytes. With
// --gzip the server compresses HTML, CSS, JS and JSON (gzip level 6) as real
// static hosts do, and the table gets a "served kB" column: the body bytes on
// the wire (Chromium's encoded size), next to the uncompressed "total kB" (kB: 1,000 bytes).
// Pagefind's own index files and wasm are gzipped already either way.
import { readdirSync, statSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const { chromium } = await import(path.join(here, "..", "tests", "browser", "node_modules", "playwright-core", "index.mjs")).catch(() => {
  console.error("playwright-core is missing: run `npm ci` in tests/browser first");
  process.exit(2);
});
const { serveSite } = await import(path.join(here, "..", "tests", "browser", "static-server.mjs"));

const args = process.argv.slice(2);
const json = args.includes("--json");
const gzip = args.includes("--gzip");
const [siteArg, queryArg] = args.filter((a) => !a.startsWith("--"));
const site = path.resolve(siteArg || "/tmp/c10k-site");
const query = queryArg || "replica";
if (!existsSync(path.join(site, "search", "pagefind.js"))) {
  console.error(`${site} is not a built casebook site with a search index`);
  process.exit(2);
}

function category(pathname) {
  const p = pathname.replace(/^\/+/, "");
  if (p.startsWith("search/index/")) return "index";
  if (p.startsWith("search/filter/")) return "filter";
  if (p.startsWith("search/fragment/")) return "fragment";
  if (p === "search/pagefind-entry.json" || p.endsWith(".pf_meta")) return "entry";
  if (/^search\/(pagefind\.js|pagefind-worker\.js|wasm\.[^/]*\.pagefind)$/.test(p)) return "runtime";
  if (p === "search/" || p === "search/index.html" || /^[^/]+\.(css|js|svg)$/.test(p)) return "page";
  return "other";
}
const CATEGORIES = ["page", "runtime", "entry", "index", "filter", "fragment", "other"];

function dirSize(dir) {
  let bytes = 0, files = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) { const s = dirSize(p); bytes += s.bytes; files += s.files; }
    else if (e.isFile()) { bytes += statSync(p).size; files += 1; }
  }
  return { bytes, files };
}

const server = await serveSite(site, "/", { gzip });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic"],
});
const rows = [];
const pending = [];
let phase = "open";
try {
  const context = await browser.newContext(); // fresh: no HTTP cache, no storage
  context.setDefaultTimeout(120_000);
  // Context-level events also see the requests of Pagefind's web worker.
  context.on("response", (res) => {
    const p = phase;
    pending.push((async () => {
      const url = new URL(res.url());
      if (url.origin !== server.origin) return;
      const body = await res.body().catch(() => Buffer.alloc(0));
      const sizes = await res.request().sizes().catch(() => null);
      // responseBodySize is the encoded size: what came over the wire.
      rows.push({ path: url.pathname, status: res.status(), phase: p, category: category(url.pathname), bytes: body.length, served: sizes ? sizes.responseBodySize : body.length, wire: sizes ? sizes.responseBodySize + sizes.responseHeadersSize : null });
    })());
  });
  const page = await context.newPage();
  const t0 = Date.now();
  await page.goto(server.base + "search/", { waitUntil: "load" });
  // search.js focuses the box once Pagefind is initialised.
  await page.waitForFunction(() => document.activeElement?.id === "search-input");
  // With no query the page lists the newest incidents: let that finish,
  // as it does for a reader before the first key press.
  await page.waitForFunction(() => /^\d+ incidents?$/.test(document.getElementById("search-count")?.textContent.trim() || "") && document.querySelector("ol#results > li"));
  await page.waitForLoadState("networkidle");
  await Promise.all(pending);
  const tReady = Date.now();
  phase = "query";
  await page.keyboard.type(query);
  // Done when the listing shows highlighted matches (the no-query listing has none).
  await page.waitForFunction((q) => new URL(location.href).searchParams.get("q") === q
    && /^\d+ incidents?$/.test(document.getElementById("search-count")?.textContent.trim() || "")
    && (document.querySelector("ol#results > li.result .excerpt")?.innerHTML.includes("<mark>") || document.querySelector("ol#results > li.empty")), query);
  await page.waitForLoadState("networkidle");
  await page.waitForTimeout(500);
  await page.waitForLoadState("networkidle");
  await Promise.all(pending);
  const tDone = Date.now();
  const count = (await page.locator("output#search-count").textContent()).trim();
  const shown = await page.locator("ol#results > li.result").count();

  const by = {};
  for (const c of CATEGORIES) by[c] = { open: 0, query: 0, files: 0, served: 0 };
  for (const r of rows) { by[r.category][r.phase] += r.bytes; by[r.category].files += 1; by[r.category].served += r.served; }
  const total = rows.reduce((s, r) => s + r.bytes, 0);
  const served = rows.reduce((s, r) => s + r.served, 0);
  const search = dirSize(path.join(site, "search"));
  const sub = Object.fromEntries(["index", "filter", "fragment"].map((d) => [d, existsSync(path.join(site, "search", d)) ? dirSize(path.join(site, "search", d)) : { bytes: 0, files: 0 }]));
  const bad = rows.filter((r) => r.status >= 400);
  const result = {
    site, query, gzip, count, shown, requests: rows.length, total_bytes: total, served_bytes: served,
    open_ms: tReady - t0, query_ms: tDone - tReady,
    by_category: by, search_folder: { ...search, ...sub },
    errors: bad.map((r) => `${r.status} ${r.path}`),
    files: rows.sort((a, b) => a.category.localeCompare(b.category) || b.bytes - a.bytes),
  };
  if (json) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    // Decimal kilobytes (1 kB = 1,000 bytes), the stricter reading of a "300 KB" goal.
    const kb = (n) => (n / 1000).toFixed(1).padStart(9);
    console.log(`site ${site}, query "${query}": ${count}, ${shown} shown; ${rows.length} requests; ${gzip ? "served with gzip" : "served uncompressed"}`);
    console.log(`open ${result.open_ms} ms, query ${result.query_ms} ms (includes settle waits)`);
    const servedCol = (n) => (gzip ? ` ${kb(n)}` : "");
    console.log(`${"category".padEnd(10)} ${"files".padStart(5)} ${"open kB".padStart(9)} ${"query kB".padStart(9)} ${"total kB".padStart(9)}${gzip ? " served kB" : ""}`);
    for (const c of CATEGORIES) {
      const b = by[c];
      if (!b.files) continue;
      console.log(`${c.padEnd(10)} ${String(b.files).padStart(5)} ${kb(b.open)} ${kb(b.query)} ${kb(b.open + b.query)}${servedCol(b.served)}`);
    }
    const open = rows.filter((r) => r.phase === "open").reduce((s, r) => s + r.bytes, 0);
    console.log(`${"total".padEnd(10)} ${String(rows.length).padStart(5)} ${kb(open)} ${kb(total - open)} ${kb(total)}${servedCol(served)}`);
    console.log(`total bytes: ${total}${gzip ? `, served bytes: ${served}` : ""}`);
    console.log(`search/ on disk: ${kb(search.bytes).trim()} kB in ${search.files} files` +
      ` (index ${kb(sub.index.bytes).trim()} kB/${sub.index.files}, filter ${kb(sub.filter.bytes).trim()} kB/${sub.filter.files},` +
      ` fragment ${kb(sub.fragment.bytes).trim()} kB/${sub.fragment.files})`);
    for (const r of result.files) console.log(`  ${r.phase.padEnd(5)} ${r.category.padEnd(8)} ${String(r.bytes).padStart(9)}${gzip ? String(r.served).padStart(9) : ""}  ${r.status} ${r.path}`);
    if (bad.length) console.log(`HTTP errors: ${result.errors.join(", ")}`);
  }
  await context.close();
} finally {
  await browser.close();
  await server.close();
}

// Browser tests of casebook's reading experience on the built demo site: no
// page scrolls sideways on a phone, the follow-up board's counts follow its
// filters, filters live in the URL, the reading-list box opens out for a
// reader who came from the list, the "/" hint shows only with a fine pointer.
//
//   cargo build --release && (cd tests/browser && npm ci && node --test)
//
// CASEBOOK_BIN overrides the binary (default: target/release/casebook);
// CHROMIUM the browser (default: /usr/bin/chromium).
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { serveSite } from "./static-server.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..", "..");
const bin = process.env.CASEBOOK_BIN ? path.resolve(process.env.CASEBOOK_BIN) : path.join(repo, "target", "release", "casebook");
const browserPath = process.env.CHROMIUM || "/usr/bin/chromium";
const LAUNCH = {
  executablePath: browserPath,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic"],
};
const TIMEOUT = 120_000;
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

let workDir;
let siteDir;
let browser;
let server;

before(async () => {
  assert.ok(existsSync(bin), `casebook binary not found at ${bin}: run \`cargo build --release\` first or set CASEBOOK_BIN`);
  assert.ok(existsSync(browserPath), `Chromium not found at ${browserPath}: apt-get install -y chromium`);
  workDir = mkdtempSync(path.join(tmpdir(), "casebook-pages-"));
  siteDir = path.join(workDir, "site");
  try {
    execFileSync(bin, ["build", "--as-of", "2026-11-25", "--output", siteDir], { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    throw new Error(`casebook build failed (${e.status}):\n${e.stdout}${e.stderr}`);
  }
  browser = await chromium.launch(LAUNCH);
  server = await serveSite(siteDir, "/");
});

after(async () => {
  if (server) await server.close();
  if (browser) await browser.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

function watch(page) {
  const problems = [];
  page.on("console", (msg) => { if (msg.type() === "error") problems.push(`console error: ${msg.text()}`); });
  page.on("pageerror", (err) => problems.push(`uncaught exception: ${err.message}`));
  page.on("response", (res) => { if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`); });
  return problems;
}

const firstDir = (dir) => readdirSync(path.join(siteDir, dir), { withFileTypes: true }).find((d) => d.isDirectory() && existsSync(path.join(siteDir, dir, d.name, "index.html"))).name;

// One page of every kind the site has.
function pageKinds() {
  const incident = "2026-02-17-payments-db-failover-dns-cache";
  const list = firstDir("reading-lists");
  return [
    "", "incidents/", "incidents/oldest/", `incidents/${incident}/`, `incidents/${incident}/rca/`,
    "systems/", `systems/${firstDir("systems")}/`, "teams/", `teams/${firstDir("teams")}/`,
    "follow-ups/", "metrics/", "repeats/",
    "tags/", `tags/${firstDir("tags")}/`, "factors/", `factors/${firstDir("factors")}/`,
    "reading-lists/", `reading-lists/${list}/`, `reading-lists/${list}/print/`, "search/", "404.html",
    // A folder write-up: its attachment (an SVG chart) sits in the body.
    "incidents/2026-10-20-checkout-latency-canary/",
  ];
}

describe("reading experience", () => {
  test("no page scrolls sideways at 390 px, and no table or chart sits in a side-scroll", { timeout: TIMEOUT }, async () => {
    const context = await browser.newContext(PHONE);
    const watched = await context.newPage();
    const problems = watch(watched);
    // 404.html links to the configured base URL (absolute, as hosts serve it
    // anywhere), which does not resolve here: its page is not watched.
    const unwatched = await context.newPage();
    try {
      for (const kind of pageKinds()) {
        const page = kind === "404.html" ? unwatched : watched;
        await page.goto(server.base + kind, { waitUntil: "load" });
        const m = await page.evaluate(() => {
          // Toggled data tables count too.
          document.querySelectorAll("details").forEach((d) => { d.open = true; });
          const scrolling = [];
          for (const el of document.querySelectorAll("table, svg.chart, .bar-table")) {
            for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
              const o = getComputedStyle(a).overflowX;
              if ((o === "auto" || o === "scroll") && a.scrollWidth > a.clientWidth + 1) {
                scrolling.push(`${el.tagName.toLowerCase()}.${el.getAttribute("class") || ""} in ${a.tagName.toLowerCase()}.${a.className}`);
                break;
              }
            }
            // A table wider than the screen hides columns even without a scroll box.
            if (el.getBoundingClientRect().right > innerWidth + 1) scrolling.push(`${el.tagName.toLowerCase()}.${el.getAttribute("class") || ""} is wider than the screen`);
          }
          return { scrollWidth: document.documentElement.scrollWidth, width: innerWidth, scrolling };
        });
        assert.ok(m.scrollWidth <= m.width, `/${kind} scrolls sideways: ${m.scrollWidth} px wide at ${m.width} px`);
        assert.deepEqual(m.scrolling, [], `/${kind}: tables and charts fit the screen`);
      }
      assert.deepEqual(problems, [], "every page loads cleanly");
    } finally {
      await context.close();
    }
  });

  test("the phone header is under a fifth of the first screen, without the \"/\" hint", { timeout: TIMEOUT }, async () => {
    const phone = await browser.newContext(PHONE);
    const desk = await browser.newContext({ viewport: { width: 1366, height: 800 } });
    try {
      const p = await phone.newPage();
      await p.goto(server.base, { waitUntil: "load" });
      const h = await p.locator(".site-header").evaluate((e) => e.getBoundingClientRect().height);
      assert.ok(h <= 844 * 0.2, `the header is ${h} px of 844`);
      assert.equal(await p.getAttribute("#search-input", "placeholder"), "Search incidents");
      const d = await desk.newPage();
      await d.goto(server.base, { waitUntil: "load" });
      assert.match(await d.getAttribute("#search-input", "placeholder"), /\/$/, "a mouse and keyboard see the shortcut");
      assert.ok(await d.locator('.site-header nav a[href$="factors/"]').count() === 1, "the nav links the factors page");
    } finally {
      await phone.close();
      await desk.close();
    }
  });

  test("board: done and won't-do collapsed, counts follow the filters, filters in the URL", { timeout: TIMEOUT }, async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = watch(page);
    try {
      await page.goto(server.base + "follow-ups/", { waitUntil: "load" });
      for (const state of ["done", "wont_do"]) {
        assert.equal(await page.locator(`#${state} details`).evaluate((d) => d.open), false, `${state} starts collapsed`);
      }
      assert.equal(await page.locator("#overdue details").count(), 0, "overdue is never collapsed");
      const counts = () => page.evaluate(() => Object.fromEntries([...document.querySelectorAll(".board-section")].map((s) => [s.dataset.section, {
        heading: Number(s.querySelector("h2 .count").textContent),
        link: Number(document.querySelector(`.board-nav a[data-section='${s.dataset.section}'] .count`).textContent),
        visible: s.querySelectorAll(".fu:not([hidden])").length,
      }])));
      const before = await counts();
      const owner = await page.locator("select[name=owner] option").nth(1).getAttribute("value")
        ?? (await page.locator("select[name=owner] option").nth(1).textContent());
      await page.selectOption("select[name=owner]", owner);
      const after = await counts();
      let total = 0;
      for (const [state, c] of Object.entries(after)) {
        assert.equal(c.heading, c.visible, `${state}: the heading counts what is shown`);
        assert.equal(c.link, c.visible, `${state}: the section link counts what is shown`);
        total += c.visible;
      }
      assert.ok(total > 0 && total < Object.values(before).reduce((n, c) => n + c.visible, 0), `owner ${owner} narrows the board`);
      assert.equal(await page.locator(".filter-count").textContent(), `${total} of ${Object.values(before).reduce((n, c) => n + c.visible, 0)} follow-ups`);
      assert.equal(new URL(page.url()).searchParams.get("owner"), owner, "the filter is in the URL");

      // The URL opens the same view, and Back returns to it.
      await page.goto(server.base + "metrics/", { waitUntil: "load" });
      await page.goBack({ waitUntil: "load" });
      assert.equal(new URL(page.url()).searchParams.get("owner"), owner);
      assert.equal(await page.inputValue("select[name=owner]"), owner, "Back keeps the filter");
      assert.deepEqual(await counts(), after, "and the counts");
      const fresh = await context.newPage();
      await fresh.goto(server.base + `follow-ups/?owner=${encodeURIComponent(owner)}&state=done`, { waitUntil: "load" });
      assert.equal(await fresh.inputValue("select[name=state]"), "done");
      const shown = await fresh.evaluate(() => [...document.querySelectorAll(".board-section")].filter((s) => s.querySelector(".fu:not([hidden])")).map((s) => s.dataset.section));
      assert.ok(shown.every((s) => s === "done"), `only done items are shown: ${shown}`);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test("incidents table: filters in the URL", { timeout: TIMEOUT }, async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(server.base + "incidents/", { waitUntil: "load" });
      const all = await page.locator(".incidents-table tbody tr").count();
      await page.selectOption("select[name=systems]", "checkout");
      await page.check("input[name=overdue]");
      const url = new URL(page.url());
      assert.equal(url.searchParams.get("systems"), "checkout");
      assert.equal(url.searchParams.get("overdue"), "1");
      const shown = await page.locator(".incidents-table tbody tr:not([hidden])").count();
      assert.ok(shown > 0 && shown < all, `checkout with overdue follow-ups narrows ${all} rows, got ${shown}`);
      const again = await context.newPage();
      await again.goto(url.href, { waitUntil: "load" });
      assert.equal(await again.locator(".incidents-table tbody tr:not([hidden])").count(), shown, "the URL opens the same rows");
      assert.ok(await again.isChecked("input[name=overdue]"));
    } finally {
      await context.close();
    }
  });

  test("search: facets and order in the URL; facet values by count, none at zero", { timeout: TIMEOUT }, async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    const problems = watch(page);
    try {
      await page.goto(server.base + "search/?q=failover&system=checkout&sort=desc", { waitUntil: "load" });
      const box = page.locator('aside#facets input[data-facet=system][value="checkout"]');
      await box.waitFor();
      assert.ok(await box.isChecked(), "the URL's facet is ticked");
      assert.equal(await page.inputValue("#search-sort"), "desc", "the URL's order is chosen");
      await page.waitForFunction(() => /^\d+ incidents?$/.test(document.getElementById("search-count")?.textContent.trim() || ""));
      const facets = await page.locator("aside#facets fieldset.facet").evaluateAll((sets) => sets.map((fs) => ({
        legend: fs.querySelector("legend").textContent,
        options: [...fs.querySelectorAll(".facet-option")].map((o) => ({ name: o.querySelector("input").value, checked: o.querySelector("input").checked, count: Number(o.querySelector(".facet-count").textContent) })),
      })));
      for (const f of facets) {
        assert.deepEqual(f.options.filter((o) => o.count === 0 && !o.checked), [], `${f.legend}: no zero-count values`);
        if (f.legend === "Year") continue;
        const counts = f.options.map((o) => o.count);
        assert.deepEqual(counts, [...counts].sort((a, b) => b - a), `${f.legend}: most first`);
      }
      // Ticking another facet puts it in the URL.
      const severity = page.locator("aside#facets input[data-facet=severity]").first();
      const value = await severity.getAttribute("value");
      await severity.check();
      await page.waitForURL((u) => u.searchParams.getAll("severity").includes(value));
      const url = new URL(page.url());
      assert.equal(url.searchParams.get("q"), "failover");
      assert.deepEqual(url.searchParams.getAll("system"), ["checkout"]);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test("search page: its own box (the header has none), prose excerpts, a repeats facet", { timeout: TIMEOUT }, async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    const problems = watch(page);
    try {
      await page.goto(server.base + "search/", { waitUntil: "load" });
      assert.equal(await page.locator("header form.search-form").count(), 0, "the header leaves its box out on the search page");
      const box = page.locator("main form.search-box input#search-input");
      assert.ok(await box.isVisible(), "the page has its own box");
      await page.waitForFunction(() => document.activeElement?.id === "search-input");
      const width = await box.evaluate((e) => e.getBoundingClientRect().width);
      assert.ok(width >= 400, `the page's box is prominent at 1280 px, ${width} px wide`);

      // A word only a follow-up title has finds its incident; the excerpt is the
      // write-up's prose, not the follow-up titles.
      await box.fill("bulkheads");
      await page.keyboard.press("Enter");
      await page.waitForURL(/\?q=bulkheads$/);
      await page.waitForFunction(() => document.getElementById("search-count")?.textContent.trim() === "1 incident");
      const hits = page.locator("ol#results > li.result");
      assert.equal(await hits.count(), 1);
      assert.match(await hits.first().locator("a.incident-title").getAttribute("href"), /checkout-pool-exhaustion/);
      const excerpt = (await hits.first().locator(".excerpt").textContent()).trim();
      assert.ok(!/Separate HTTP client pools/i.test(excerpt), `the excerpt should be prose, not a follow-up title: ${excerpt}`);
      assert.ok(excerpt.length > 60, `the excerpt is a run of the write-up's text: ${excerpt}`);

      // "replica": no excerpt is a run of follow-up titles and system names.
      await box.fill("replica");
      await page.keyboard.press("Enter");
      await page.waitForURL(/\?q=replica$/);
      await page.waitForFunction(() => document.querySelector("ol#results > li.result .excerpt mark"));
      const excerpts = await page.locator("ol#results > li.result .excerpt").allTextContents();
      for (const x of excerpts) assert.ok(!/exceeds 10 s|inventory, data-pipeline\./.test(x), `keyword dump in an excerpt: ${x}`);

      // The repeats facet: "is a repeat" and "recurred while open", with counts that filter.
      await box.fill("");
      await page.keyboard.press("Enter");
      await page.locator("details#filters > summary").click();
      const recurred = page.locator('aside#facets input[data-facet=repeat][value="recurred while open"]');
      await recurred.waitFor();
      assert.equal(await page.locator('aside#facets input[data-facet=repeat][value="is a repeat"]').count(), 1);
      const legend = await page.locator("aside#facets fieldset.facet", { has: page.locator("input[data-facet=repeat]") }).locator("legend").textContent();
      assert.equal(legend, "Repeats");
      const expected = Number(await page.locator(`label[for="${await recurred.getAttribute("id")}"] .facet-count`).textContent());
      assert.ok(expected > 0, "some demo repeats recurred while a follow-up was open");
      await recurred.check();
      await page.waitForURL((u) => u.searchParams.get("repeat") === "recurred while open");
      await page.waitForFunction((n) => document.getElementById("search-count")?.textContent.trim() === `${n} incident${n === 1 ? "" : "s"}`, expected);
      const titles = await page.locator("ol#results > li.result a.incident-title").evaluateAll((els) => els.map((e) => e.getAttribute("href")));
      assert.ok(titles.some((h) => /2025-06-10-payments-db-failover-checkout-errors/.test(h)), `the third payments-db failover recurred while OPS-118 was open: ${titles}`);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test("search on a phone: an open filter panel leaves the first result on the first screen", { timeout: TIMEOUT }, async () => {
    const context = await browser.newContext(PHONE);
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    try {
      await page.goto(server.base + "search/?q=replica", { waitUntil: "load" });
      await page.locator("ol#results > li.result .excerpt mark").first().waitFor();
      await page.locator("details#filters > summary").click();
      await page.locator("aside#facets fieldset.facet").nth(3).waitFor();
      const top = await page.locator("ol#results > li.result").first().evaluate((e) => e.getBoundingClientRect().top);
      assert.ok(top < 844 - 120, `the first result should start on the first screen, at ${top} px of 844`);
      const facets = await page.locator("aside#facets").evaluate((e) => ({ scroll: e.scrollHeight, client: e.clientHeight }));
      assert.ok(facets.scroll > facets.client, "the facets scroll inside their panel instead");
      const sideways = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
      assert.equal(sideways, false, "no sideways scroll");
    } finally {
      await context.close();
    }
  });

  test("reading-list box: compact unless the reader came from the list or has it in progress", { timeout: TIMEOUT }, async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      const list = "payments-on-call";
      await page.goto(server.base + `reading-lists/${list}/`, { waitUntil: "load" });
      const link = page.locator("ol.reading-items a.incident-title").nth(1);
      assert.match(await link.getAttribute("href"), new RegExp(`\\?list=${list}$`), "list links say where the reader came from");
      const target = new URL(await link.getAttribute("href"), page.url()).pathname;
      await link.click();
      await page.waitForLoadState("load");
      const nav = page.locator(`.reading-nav[data-list=${list}]`);
      assert.equal(await nav.evaluate((n) => n.classList.contains("is-compact")), false, "came from the list: open");
      assert.ok(await nav.locator(".reading-nav-steps a").first().isVisible(), "previous and next show");
      assert.match(await nav.locator(".reading-nav-steps a").first().getAttribute("href"), new RegExp(`\\?list=${list}$`));

      // Straight to the page, nothing read: compact.
      await page.goto(server.base + target.slice(1), { waitUntil: "load" });
      assert.equal(await nav.evaluate((n) => n.classList.contains("is-compact")), true, "no list in the URL, no progress: compact");
      assert.equal(await nav.locator(".reading-nav-steps").isVisible(), false);

      // With the list in progress (a box ticked on the list page): open.
      await page.goto(server.base + `reading-lists/${list}/`, { waitUntil: "load" });
      await page.locator("ol.reading-items .read-box").first().check();
      await page.goto(server.base + target.slice(1), { waitUntil: "load" });
      assert.equal(await nav.evaluate((n) => n.classList.contains("is-compact")), false, "list in progress: open");
    } finally {
      await context.close();
    }
  });
});

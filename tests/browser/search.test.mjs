// End-to-end test of casebook's search page in a real browser (Debian's
// Chromium driven by playwright-core). It builds the demo archive with the
// current binary, serves the output over HTTP on 127.0.0.1 and searches the
// way a reader would: "/" in the header, a query, Enter, a facet, a result.
//
//   cargo build --release && (cd tests/browser && npm ci && node --test)
//
// CASEBOOK_BIN overrides the binary (default: target/release/casebook);
// CHROMIUM the browser (default: /usr/bin/chromium).
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
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

let siteDir;
let workDir;
let browser;

before(async () => {
  assert.ok(existsSync(bin), `casebook binary not found at ${bin}: run \`cargo build --release\` first or set CASEBOOK_BIN`);
  assert.ok(existsSync(browserPath), `Chromium not found at ${browserPath}: apt-get install -y chromium`);
  workDir = mkdtempSync(path.join(tmpdir(), "casebook-e2e-"));
  siteDir = path.join(workDir, "site");
  try {
    execFileSync(bin, ["build", "--as-of", "2026-11-25", "--output", siteDir], { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    throw new Error(`casebook build failed (${e.status}):\n${e.stdout}${e.stderr}`);
  }
  assert.ok(existsSync(path.join(siteDir, "search", "index.html")), "the build has no search/index.html");
  assert.ok(existsSync(path.join(siteDir, "search", "pagefind.js")), "the build has no search/pagefind.js");
  browser = await chromium.launch(LAUNCH);
});

after(async () => {
  if (browser) await browser.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

// Everything that went wrong in the page during a test: console errors,
// uncaught exceptions, failed requests and HTTP errors.
function watch(page) {
  const problems = [];
  page.on("console", (msg) => { if (msg.type() === "error") problems.push(`console error: ${msg.text()} (${msg.location().url})`); });
  page.on("pageerror", (err) => problems.push(`uncaught exception: ${err.message}`));
  page.on("requestfailed", (req) => problems.push(`request failed: ${req.method()} ${req.url()}: ${req.failure()?.errorText}`));
  page.on("response", (res) => { if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`); });
  return problems;
}

// A failed step says what the page reported along the way.
function withProblems(err, problems) {
  if (problems.length && err instanceof Error && !err.message.includes("problems seen by the page")) {
    err.message += `\nproblems seen by the page:\n  ${problems.join("\n  ")}`;
  }
  return err;
}

const countOf = async (page) => {
  const text = (await page.locator("output#search-count").textContent()).trim();
  const m = /^(\d+) incidents?$/.exec(text);
  assert.ok(m, `search count should read "N incidents", got ${JSON.stringify(text)}`);
  return Number(m[1]);
};

// The count once a search has rendered: the output says "N incident(s)".
async function settledCount(page) {
  await page.waitForFunction(() => /^\d+ incidents?$/.test(document.getElementById("search-count")?.textContent.trim() || ""));
  return countOf(page);
}

describe("search", () => {
  test("header box, query, facet, excerpt and result page", { timeout: TIMEOUT }, async () => {
    const server = await serveSite(siteDir, "/");
    const context = await browser.newContext();
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    const problems = watch(page);
    try {
      await page.goto(server.base, { waitUntil: "load" });
      await page.locator("form.search-form input#search-input").waitFor();

      // "/" focuses the header box.
      await page.keyboard.press("/");
      assert.equal(await page.evaluate(() => document.activeElement?.id), "search-input", '"/" should focus the header search box');
      assert.equal(await page.inputValue("#search-input"), "", '"/" should not be typed into the box');

      // Query + Enter goes to the search page with ?q=.
      await page.keyboard.type("failover");
      await Promise.all([page.waitForURL(/\/search\/\?q=failover$/), page.keyboard.press("Enter")]);
      await page.locator("ol#results > li.result").first().waitFor();
      const total = await settledCount(page);
      assert.equal(await page.inputValue("#search-input"), "failover", "the search page should show the query in the box");
      assert.ok(total >= 2, `"failover" should find several incidents, found ${total}`);
      assert.equal(await page.locator("ol#results > li.result").count(), Math.min(total, 30), "one result per counted incident (up to 30)");

      const first = page.locator("ol#results > li.result").first();
      const title = (await first.locator("a.incident-title").textContent()).trim();
      const href = await first.locator("a.incident-title").getAttribute("href");
      const resolved = new URL(href, page.url());
      assert.match(title, /failover/i, "the best match's title should mention failover");
      assert.match(resolved.pathname, /^\/incidents\/[^/]*payments-db-failover[^/]*\/$/, `the best match should be a payments-db failover incident, got ${href}`);
      assert.ok(!href.startsWith("/") && !/^[a-z]+:/i.test(href), `result links should be relative, got ${href}`);
      assert.match(await first.locator("time").getAttribute("datetime"), /^\d{4}-\d{2}-\d{2}$/, "the result shows its date");
      assert.match((await first.locator(".sev").textContent()).trim(), /^SEV\d$/i, "the result shows its severity");

      // Every excerpt highlights what matched in the prose; a result found only
      // by a system, factor, tag or follow-up title (searched, never excerpted)
      // shows the prose that opens its write-up, after its title.
      const rows = await page.locator("ol#results > li.result").evaluateAll((els) => els.map((e) => ({
        title: e.querySelector("a.incident-title").textContent.trim(),
        excerpt: e.querySelector(".excerpt").innerHTML,
        text: e.querySelector(".excerpt").textContent.trim(),
      })));
      assert.equal(rows.length, Math.min(total, 30));
      assert.ok(rows[0].excerpt.includes("<mark>"), `the first excerpt should highlight the match: ${rows[0].excerpt}`);
      const unmarked = rows.filter((r) => !r.excerpt.includes("<mark>"));
      assert.ok(unmarked.length <= 1, `most excerpts should contain <mark>: ${JSON.stringify(unmarked)}`);
      for (const r of unmarked) {
        assert.ok(!r.text.startsWith(r.title) && r.text.length > 60, `an unhighlighted excerpt is the write-up's prose, not its title: ${JSON.stringify(r)}`);
      }

      // Facets load when "Filters" is opened (their chunks are the biggest part
      // of a first search); the system facet lists checkout with a count below
      // the total; ticking it filters the results to that count.
      assert.equal(await page.locator("aside#facets fieldset.facet").count(), 0, "facets wait for the Filters panel");
      await page.locator("details#filters > summary").click();
      await page.locator("aside#facets fieldset.facet").first().waitFor();
      const box = page.locator('aside#facets input[type=checkbox][data-facet=system][value="checkout"]');
      await box.waitFor();
      const facetCount = Number((await page.locator(`label[for="${await box.getAttribute("id")}"] span.facet-count`).textContent()).trim());
      assert.ok(facetCount > 0 && facetCount < total, `checkout should match some but not all of the ${total} results, facet says ${facetCount}`);
      await box.check();
      await page.waitForFunction((before) => {
        const t = document.getElementById("search-count")?.textContent.trim() || "";
        return /^\d+ incidents?$/.test(t) && t !== before;
      }, `${total} incidents`);
      const filtered = await countOf(page);
      assert.notEqual(filtered, total, "ticking a facet should change the count");
      assert.equal(filtered, facetCount, "the filtered count should be what the facet announced");
      assert.equal(await page.locator("ol#results > li.result").count(), Math.min(filtered, 30));
      assert.ok(await page.locator('aside#facets input[data-facet=system][value="checkout"]').isChecked(), "the facet stays ticked after re-rendering");
      const filteredExcerpts = await page.locator("ol#results > li.result .excerpt").evaluateAll((els) => els.map((e) => e.innerHTML));
      assert.ok(filteredExcerpts.every((x) => x.includes("<mark>")), "filtered excerpts still highlight the match");

      // The first result opens its incident page.
      const target = await page.locator("ol#results > li.result a.incident-title").first();
      const targetTitle = (await target.textContent()).trim();
      await Promise.all([page.waitForURL(/\/incidents\/[^/]+\/$/), target.click()]);
      await page.waitForLoadState("load");
      assert.match(new URL(page.url()).pathname, /^\/incidents\/[^/]+\/$/);
      const h1 = (await page.locator("main h1").first().textContent()).trim();
      assert.ok(h1.length > 0, "the incident page has a heading");
      assert.ok(h1.includes(targetTitle) || targetTitle.includes(h1), `the incident page heading ${JSON.stringify(h1)} should be the result's title ${JSON.stringify(targetTitle)}`);

      assert.deepEqual(problems, [], "no console errors, failed requests or HTTP errors");
    } catch (e) {
      throw withProblems(e, problems);
    } finally {
      await context.close();
      await server.close();
    }
  });

  test("works under a sub-path (/archive/), searching live as you type", { timeout: TIMEOUT }, async () => {
    const server = await serveSite(siteDir, "/archive/");
    const context = await browser.newContext();
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    const problems = watch(page);
    try {
      await page.goto(server.base + "search/", { waitUntil: "load" });
      // With no query the box is focused; typing searches without Enter.
      await page.locator("ol#results").waitFor({ state: "attached" });
      await page.waitForFunction(() => document.activeElement?.id === "search-input");
      // With no query the page lists every incident, newest first, without highlights;
      // the first page of them comes with the HTML, the rest with "Show more".
      await page.locator("ol#results > li.result").first().waitFor();
      const all = await settledCount(page);
      assert.ok(!(await page.locator("ol#results").innerHTML()).includes("<mark>"), "the no-query listing highlights nothing");
      const listed = await page.locator("ol#results > li.result time").evaluateAll((els) => els.map((e) => e.getAttribute("datetime")));
      assert.equal(listed.length, Math.min(all, 10));
      await page.locator("ol#results > li.more button").click();
      await page.waitForFunction((n) => document.querySelectorAll("ol#results > li.result").length > n, listed.length);
      const more = await page.locator("ol#results > li.result time").evaluateAll((els) => els.map((e) => e.getAttribute("datetime")));
      assert.deepEqual(more.slice(0, listed.length), listed, "Show more keeps the first page");
      assert.deepEqual([...more].sort().reverse(), more, "the listing runs newest first across pages");
      assert.equal(new Set(await page.locator("ol#results > li.result a.incident-title").evaluateAll((els) => els.map((e) => e.getAttribute("href")))).size, more.length, "no incident listed twice");
      await page.locator("#search-input").click();
      await page.keyboard.type("replica");
      await page.waitForURL(/\/archive\/search\/\?q=replica$/);
      await page.waitForFunction(() => {
        const r = document.querySelector("ol#results > li.result .excerpt");
        return r && r.innerHTML.includes("<mark>") && /replica/i.test(r.textContent);
      });
      const n = await settledCount(page);
      assert.ok(n < all, `"replica" should narrow the ${all} incidents, found ${n}`);
      assert.ok(n >= 1, `"replica" should find incidents, found ${n}`);
      const first = page.locator("ol#results > li.result a.incident-title").first();
      const href = await first.getAttribute("href");
      assert.match(new URL(href, page.url()).pathname, /^\/archive\/incidents\/[^/]+\/$/, `result links should stay under /archive/, got ${href}`);
      assert.ok((await page.locator("ol#results > li.result .excerpt").first().innerHTML()).includes("<mark>"));
      await page.locator("details#filters > summary").click();
      await page.locator("aside#facets fieldset.facet").first().waitFor();
      assert.ok(await page.locator("aside#facets fieldset.facet").count() > 0, "facets render under a sub-path");

      await Promise.all([page.waitForURL(/\/archive\/incidents\/[^/]+\/$/), first.click()]);
      assert.ok((await page.locator("main h1").first().textContent()).trim().length > 0);

      // And the header box on that page leads back to the search page, still under /archive/.
      await page.keyboard.press("/");
      await page.keyboard.type("replica");
      await Promise.all([page.waitForURL(/\/archive\/search\/\?q=replica$/), page.keyboard.press("Enter")]);
      assert.equal(await settledCount(page), n, "the same query finds the same incidents");

      assert.deepEqual(server.requests.filter((r) => !r.path.startsWith("/archive/")), [], "every request stays under /archive/");
      assert.deepEqual(problems, [], "no console errors, failed requests or HTTP errors");
    } catch (e) {
      throw withProblems(e, problems);
    } finally {
      await context.close();
      await server.close();
    }
  });
});

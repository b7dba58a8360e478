// A tiny static file server for casebook's built site, as a plain web host
// would serve it: files by path, index.html for directory URLs, a redirect
// from "dir" to "dir/", 404 for anything else. The site can be mounted under a
// prefix ("/archive/") to check that it only uses relative links: a request
// outside the prefix is a 404, which the tests count as a failure.
//
// With { gzip: true } it compresses text types (HTML, CSS, JS, JSON, XML, SVG,
// text) with gzip when the browser accepts it, as GitHub Pages, Netlify,
// Cloudflare Pages or nginx with `gzip on` do; Pagefind's index files and wasm
// are gzipped already and go out as they are.
//
// Used by search.test.mjs and by benches/search_download.mjs. No dependencies.
import { createServer } from "node:http";
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".xml": "application/xml",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".wasm": "application/octet-stream",
  ".pagefind": "application/octet-stream",
};

export function contentType(file) {
  const ext = path.extname(file).toLowerCase();
  // Pagefind's index, meta, filter and fragment files: .pf_index, .pf_meta, ...
  if (ext.startsWith(".pf_")) return "application/octet-stream";
  return TYPES[ext] || "application/octet-stream";
}

const COMPRESSIBLE = /^(text\/|application\/(json|xml)|image\/svg\+xml)/;

/**
 * Serve `dir` on 127.0.0.1 on a free port, under `prefix` ("/" or "/archive/").
 * Resolves to { origin, base, requests, close }: `base` is the site's root URL,
 * `requests` a log of { path, status } for every request served.
 * `options.gzip`: compress text types for clients that accept gzip (level 6).
 */
export async function serveSite(dir, prefix = "/", options = {}) {
  const root = path.resolve(dir);
  if (!prefix.startsWith("/") || !prefix.endsWith("/")) throw new Error(`prefix must start and end with "/": ${prefix}`);
  const requests = [];

  async function handle(req, res) {
    let status = 200;
    try {
      const url = new URL(req.url, "http://localhost");
      let pathname;
      try { pathname = decodeURIComponent(url.pathname); } catch { pathname = null; }
      if (req.method !== "GET" && req.method !== "HEAD") status = 405;
      else if (pathname === null || pathname.includes("\0")) status = 400;
      else if (pathname + "/" === prefix) { status = 301; res.setHeader("Location", prefix + url.search); }
      else if (!pathname.startsWith(prefix)) status = 404;
      if (status !== 200) { res.statusCode = status; res.end(); return; }

      const rel = pathname.slice(prefix.length);
      let file = path.resolve(root, "." + path.posix.sep + rel);
      if (file !== root && !file.startsWith(root + path.sep)) { status = 404; res.statusCode = 404; res.end(); return; }
      let info = await stat(file).catch(() => null);
      if (info && info.isDirectory()) {
        if (!pathname.endsWith("/")) {
          status = 301;
          res.statusCode = 301;
          res.setHeader("Location", pathname + "/" + url.search);
          res.end();
          return;
        }
        file = path.join(file, "index.html");
        info = await stat(file).catch(() => null);
      }
      if (!info || !info.isFile()) { status = 404; res.statusCode = 404; res.setHeader("Content-Type", "text/plain"); res.end("not found\n"); return; }
      res.statusCode = 200;
      const type = contentType(file);
      res.setHeader("Content-Type", type);
      res.setHeader("Cache-Control", "no-cache");
      if (options.gzip && COMPRESSIBLE.test(type)) {
        res.setHeader("Vary", "Accept-Encoding");
        if (/\bgzip\b/.test(req.headers["accept-encoding"] || "")) {
          const body = gzipSync(await readFile(file), { level: 6 });
          res.setHeader("Content-Encoding", "gzip");
          res.setHeader("Content-Length", body.length);
          res.end(req.method === "HEAD" ? undefined : body);
          return;
        }
      }
      res.setHeader("Content-Length", info.size);
      if (req.method === "HEAD") { res.end(); return; }
      await new Promise((resolve, reject) => {
        const s = createReadStream(file);
        s.on("error", reject);
        res.on("close", resolve);
        s.pipe(res);
      });
    } catch (e) {
      status = 500;
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    } finally {
      requests.push({ path: req.url, status });
    }
  }

  const server = createServer((req, res) => { handle(req, res); });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address();
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    base: origin + prefix,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

#!/usr/bin/env python3
"""Time from saving a write-up to the reloaded page in `casebook serve`.

    python3 benches/serve_reload.py ARCHIVE_DIR [--casebook target/release/casebook] [--edits 5]

Starts `casebook serve` on a free loopback port, waits for the first build, then saves
one write-up EDITS times, alternating two kinds of edit: a line added to the body
(what writing a postmortem mostly is) and a changed title (which every list showing
the incident must pick up). For each save it measures
  signal: until the long-poll endpoint (/__casebook/wait, the one pages use to
          reload) answers with a new version, and
  page:   until, after that, a GET of the incident's page returns the new text
          (what the reloaded browser tab shows),
and for title edits also `index`: until the incidents index (re-rendered after the
incident's own pages; requests wait for it) returns the new title. Prints each save,
the medians, and the server's own log lines. The edit is undone at the end.
"""
import argparse, json, os, socket, statistics, subprocess, sys, tempfile, time, urllib.request, glob


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def state(port, seen, timeout=120):
    url = f"http://127.0.0.1:{port}/__casebook/wait?v={seen}"
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.load(r)


def version(port, seen, timeout=120):
    return state(port, seen, timeout)["version"]


def get(port, path, timeout=120):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}", timeout=timeout) as r:
        return r.read().decode("utf-8", "replace")


def incident_id(path, text):
    for line in text.splitlines():
        if line.startswith("id = "):
            return line.split("=", 1)[1].strip().strip('"')
    return os.path.splitext(os.path.basename(path))[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("archive")
    ap.add_argument("--casebook", default="target/release/casebook")
    ap.add_argument("--edits", type=int, default=5)
    a = ap.parse_args()
    files = sorted(glob.glob(os.path.join(a.archive, "content/incidents/**/*.md"), recursive=True))
    target = files[len(files) // 2]
    original = open(target, encoding="utf-8").read()
    port = free_port()
    t0 = time.time()
    log = tempfile.TemporaryFile("w+")
    proc = subprocess.Popen([a.casebook, "--root", a.archive, "serve", "--port", str(port), "--as-of", "2026-11-25"],
                            stdout=log, stderr=subprocess.STDOUT)
    ident = incident_id(target, original)
    try:
        while True:
            try:
                v = version(port, 10**9, timeout=5)
                break
            except OSError:
                if proc.poll() is not None:
                    sys.exit("casebook serve exited")
                time.sleep(0.2)
        print(f"{len(files)} write-ups; first build and serve ready in {time.time() - t0:.1f} s")
        results = {"body": [], "title": []}
        current = original
        for i in range(a.edits):
            time.sleep(1.2)  # distinct modification times
            kind = "body" if i % 2 == 0 else "title"
            marker = f"Benchmark edit {i} {int(time.time())}"
            if kind == "body":
                text = current.rstrip("\n") + f"\n\n{marker}.\n"
            else:
                text = original.replace("title = \"", f"title = \"{marker}: ", 1)
            current = text
            with open(target, "w", encoding="utf-8") as f:
                f.write(text)
            start = time.time()
            # Opening with "w" truncates before writing; on a busy machine the
            # watcher can see the empty file first, and the server rightly shows
            # that as an error over the last good site. Wait for the good build.
            s = state(port, v)
            while s["version"] == v or s["error"]:
                v = s["version"]
                s = state(port, v)
            v = s["version"]
            signal = (time.time() - start) * 1000
            page = get(port, f"incidents/{ident}/")
            page_ms = (time.time() - start) * 1000
            if marker not in page:
                sys.exit(f"save {i + 1}: the reloaded page does not show the edit")
            line = f"save {i + 1} ({kind}): signal {signal:.0f} ms, page {page_ms:.0f} ms"
            entry = {"signal": signal, "page": page_ms}
            if kind == "title":
                index = get(port, "incidents/")
                entry["index"] = (time.time() - start) * 1000
                if marker not in index:
                    sys.exit(f"save {i + 1}: the incidents index does not show the new title")
                line += f", index {entry['index']:.0f} ms"
            results[kind].append(entry)
            print(line)
        for kind, entries in results.items():
            if not entries:
                continue
            parts = [f"{k} {statistics.median(e[k] for e in entries):.0f} ms" for k in entries[0]]
            print(f"median after a {kind} edit ({len(entries)} saves): " + ", ".join(parts))
        log.seek(0)
        print("server log:")
        for line in log.read().splitlines():
            print("  " + line)
    finally:
        with open(target, "w", encoding="utf-8") as f:
            f.write(original)
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()

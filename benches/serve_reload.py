#!/usr/bin/env python3
"""Time from saving a write-up to `casebook serve` reporting the rebuilt site.

    python3 benches/serve_reload.py ARCHIVE_DIR [--casebook target/release/casebook] [--edits 5]

Starts `casebook serve` on a free loopback port, waits for the first build, then edits
one write-up's title EDITS times. For each save it measures the time until the
long-poll endpoint (/__casebook/wait, the one pages use to reload) answers with a new
version, and prints each figure and the median. The edit is undone at the end.
"""
import argparse, json, os, socket, statistics, subprocess, sys, time, urllib.request, glob


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def version(port, seen, timeout=120):
    url = f"http://127.0.0.1:{port}/__casebook/wait?v={seen}"
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.load(r)["version"]


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
    proc = subprocess.Popen([a.casebook, "--root", a.archive, "serve", "--port", str(port), "--as-of", "2026-11-25"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
        times = []
        for i in range(a.edits):
            time.sleep(1.2)  # distinct modification times
            with open(target, "w", encoding="utf-8") as f:
                f.write(original.replace("title = \"", f"title = \"Edit {i}: ", 1))
            start = time.time()
            v2 = version(port, v)
            while v2 == v:
                v2 = version(port, v)
            v = v2
            times.append((time.time() - start) * 1000)
            print(f"save {i + 1}: page reload signalled after {times[-1]:.0f} ms")
        print(f"median save-to-reload: {statistics.median(times):.0f} ms over {len(times)} saves")
    finally:
        with open(target, "w", encoding="utf-8") as f:
            f.write(original)
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()

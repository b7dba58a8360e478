#!/usr/bin/env bash
# Wall time of `casebook search` on an archive whose search index is cached (warm):
# the whole process, as a user at a terminal sees it.
#
#   python3 ../shared/bench/gen_corpus.py --n 10000 --flavor archive --out /tmp/c10k
#   cargo build --release
#   benches/search_cli.sh /tmp/c10k [RUNS]
#
# It runs one search first so the index exists (untimed), then, for each query
# below (plain word, two words, phrase, filters, JSON output), RUNS timed runs
# (default 30, after 3 warm-up runs) through ../shared/bench/timed.py, which
# spawns the process with stdout on /dev/null and reports the median wall time.
# Set CASEBOOK to time another binary, TIMED to point at timed.py elsewhere.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
archive="${1:?usage: benches/search_cli.sh ARCHIVE [RUNS]}"
runs="${2:-30}"
casebook="${CASEBOOK:-$here/../target/release/casebook}"
timed="${TIMED:-$here/../../shared/bench/timed.py}"
[ -f "$timed" ] || timed=/work/shared/bench/timed.py

"$casebook" --root "$archive" search replica >/dev/null

# Each entry is shell words: the query (quoted when it has spaces) and flags.
queries=(
  "replica"
  "'replica lag'"
  "'\"follower latency\"'"
  "timeout --system pricing --since 2022-01-01"
  "failover --severity SEV1 --limit 20"
  "replica --json"
)
printf '%-46s %9s %9s %9s\n' "query ($runs runs)" "median" "min" "max"
for q in "${queries[@]}"; do
  eval "args=($q)"
  python3 "$timed" --runs "$runs" --warmup 3 -- "$casebook" --root "$archive" search "${args[@]}" |
    python3 -c '
import json, sys
r = json.load(sys.stdin)
w = r["wall_s"]
bad = sum(x["rc"] != 0 for x in r["runs"])
print("%-46s %7.1fms %7.1fms %7.1fms%s" % (sys.argv[1], w["median"] * 1e3, w["min"] * 1e3, w["max"] * 1e3, "  (%d failed runs)" % bad if bad else ""))
' "$q"
done

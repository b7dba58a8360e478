#!/usr/bin/env bash
# Load-stage benchmark: the time `casebook build` spends reading and modelling the
# write-ups (its `load` stage: walk, split, parse front matter, read fields and
# fallbacks, unify names), per 1,000 write-ups, for this build and optionally a
# baseline binary measured in the same run, alternating the two.
#
#   benches/load.sh                         N = 1000 10000
#   BASELINE=/path/to/old/casebook benches/load.sh 10000
#
# For each N it generates (or reuses) the corpus
#   gen_corpus.py --n N --flavor archive --seed 42 --out $SCRATCH/archive-N
# runs one untimed build per binary (so the search bundle is cached and the disk
# is warm), then RUNS builds per binary, alternating, each with
#   casebook build --root DIR --output DIR/public-load --as-of 2026-11-25 --timings --quiet
# and reads the `load` line of --timings. It prints the median (min-max) load
# time, ms per 1,000 write-ups, and the ratio to the baseline.
#
# Environment: SHARED (default REPO/../shared), BENCH_SCRATCH (default
# casebook-bench in the temp dir, shared with build.sh), RUNS (5), CASEBOOK
# (default target/release/casebook after `cargo build --release`), BASELINE.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
SHARED=$(cd "${SHARED:-$REPO/../shared}" && pwd)
SCRATCH=${BENCH_SCRATCH:-$(python3 -c "import tempfile; print(tempfile.gettempdir())")/casebook-bench}
RUNS=${RUNS:-5}
if [ $# -gt 0 ]; then SIZES=("$@"); else SIZES=(1000 10000); fi
mkdir -p "$SCRATCH"

if [ -z "${CASEBOOK:-}" ]; then
  (cd "$REPO" && cargo build --release >&2)
  CASEBOOK=$SCRATCH/casebook-load
  cp "$REPO/target/release/casebook" "$CASEBOOK"
fi
BINARIES=("$CASEBOOK")
[ -n "${BASELINE:-}" ] && BINARIES+=("$BASELINE")

# Prints the load stage's milliseconds of one build.
load_ms() { # binary dir
  rm -rf "$2/public-load"
  "$1" build --root "$2" --output "$2/public-load" --as-of 2026-11-25 --timings --quiet 2>&1 \
    | awk '$1 == "load" { print $2 }'
}

echo "| N | binary | load, median (min-max) | ms per 1,000 | vs baseline |"
echo "|---:|---|---:|---:|---:|"
for n in "${SIZES[@]}"; do
  dir=$SCRATCH/archive-$n
  if [ ! -d "$dir/content" ]; then
    python3 "$SHARED/bench/gen_corpus.py" --n "$n" --flavor archive --seed 42 --out "$dir" >&2
  fi
  declare -A samples=()
  for bin in "${BINARIES[@]}"; do load_ms "$bin" "$dir" > /dev/null; done
  for _ in $(seq "$RUNS"); do
    for bin in "${BINARIES[@]}"; do
      samples[$bin]+="$(load_ms "$bin" "$dir") "
    done
  done
  base_median=""
  for bin in $(printf '%s\n' "${BINARIES[@]}" | tac); do
    read -r median lo hi <<< "$(echo "${samples[$bin]}" | tr ' ' '\n' | grep . | sort -n \
      | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)], v[1], v[NR] }')"
    per_k=$(awk -v m="$median" -v n="$n" 'BEGIN { printf "%.0f", m * 1000 / n }')
    ratio="-"
    if [ "$bin" = "$CASEBOOK" ] && [ -n "$base_median" ]; then
      ratio=$(awk -v a="$median" -v b="$base_median" 'BEGIN { printf "%.2fx", a / b }')
    fi
    [ "$bin" != "$CASEBOOK" ] && base_median=$median
    name=$([ "$bin" = "$CASEBOOK" ] && echo "this build" || echo "baseline")
    echo "| $n | $name | $median ms ($lo-$hi) | $per_k | $ratio |"
  done
  unset samples
  rm -rf "$dir/public-load"
done

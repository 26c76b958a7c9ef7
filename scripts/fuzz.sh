#!/usr/bin/env bash
# Fuzzing (libFuzzer + ASan/UBSan, clang) of the three parsers that read
# untrusted input: formula laws, fit cards and CSV (tests/fuzz/).
#
#   scripts/fuzz.sh [--seconds S] [--targets "formula fit_card csv"]
#                   [--lib BUILD_DIR] [--keep-corpus]
#
# Builds only the fuzzed translation units of the chosen targets (formula:
# src/formula.cpp; fit_card: src/fit_card/*.cpp; csv: src/csv.cpp and
# src/files.cpp) with clang and -fsanitize=fuzzer-no-link,address,undefined,
# and links each target before BUILD_DIR/libscalefit.a (a Release build of
# the library, default build/cpp: the archive's copies of those files are
# then not linked). Each target first replays its seed corpus and
# tests/fuzz/regressions/<target>/, then mutates for S/(number of targets)
# seconds (default: all three targets, S = 45). CI's smoke run
# (scripts/test.sh) fuzzes the formula and CSV parsers for a few seconds
# (the fit-card target's sanitized build alone takes longer than the smoke
# run's budget; its regressions are replayed by the C++ tests, also under
# ASan/UBSan). A longer documented run of all three:
# `scripts/fuzz.sh --seconds 3600`. A crash, a sanitizer report, a leak or
# a timeout (> 10 s per input) fails the run; libFuzzer writes the input to
# build/fuzz/artifacts/, and it belongs in tests/fuzz/regressions/<target>/
# (replayed by tests/cpp/fuzz_regressions_test.cpp) once fixed.
# --keep-corpus merges the new inputs back into tests/fuzz/corpus/.
# Prints executions per target and the total.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SECONDS_TOTAL=45
LIB="$ROOT/build/cpp"
KEEP=0
TARGETS="formula fit_card csv"
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_TOTAL="$2"; shift 2 ;;
    --targets) TARGETS="$2"; shift 2 ;;
    --lib) LIB="$(cd "$2" && pwd)"; shift 2 ;;
    --keep-corpus) KEEP=1; shift ;;
    *) echo "fuzz: unknown argument $1" >&2; exit 2 ;;
  esac
done
CXX_FUZZ=${CXX_FUZZ:-clang++}
command -v "$CXX_FUZZ" >/dev/null || { echo "fuzz: $CXX_FUZZ not found (scripts/setup.sh installs clang)" >&2; exit 1; }
[ -f "$LIB/libscalefit.a" ] || { echo "fuzz: $LIB/libscalefit.a not found; build the library first" >&2; exit 1; }
OUT="$ROOT/build/fuzz"
mkdir -p "$OUT/obj" "$OUT/artifacts"
FLAGS=(-std=c++17 -O1 -g -fno-omit-frame-pointer
       -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
       -I"$ROOT/include" -I"$ROOT/src" -I"$LIB/generated" -isystem /usr/include/eigen3)
LIBS=("$LIB/libscalefit.a" -lceres -lglog -lgflags -lspdlog -lfmt -lhwy_contrib -lhwy -pthread)
T0=$(date +%s)
sources_of() {
  case "$1" in
    formula) echo formula.cpp ;;
    fit_card) echo fit_card/read.cpp fit_card/write.cpp ;;
    csv) echo csv.cpp files.cpp ;;
    *) echo "fuzz: unknown target $1 (known: formula fit_card csv)" >&2; exit 2 ;;
  esac
}
obj_of() { echo "$OUT/obj/${1//\//_}.o"; }
srcs=()
for t in $TARGETS; do
  s=$(sources_of "$t") || exit 2
  for src in $s; do srcs+=("$src"); done
done
pids=()
for src in "${srcs[@]}"; do
  obj=$(obj_of "$src")
  if [ ! -f "$obj" ] || [ "$ROOT/src/$src" -nt "$obj" ] ||
     [ -n "$(find "$ROOT/include" "$ROOT/src" -name '*.hpp' -newer "$obj" -print -quit)" ]; then
    # At most JOBS compilers at a time.
    while [ "$(jobs -rp | wc -l)" -ge "${JOBS:-2}" ]; do sleep 0.2; done
    "$CXX_FUZZ" "${FLAGS[@]}" -c "$ROOT/src/$src" -o "$obj.tmp" && mv "$obj.tmp" "$obj" &
    pids+=($!)
  fi
done
for pid in "${pids[@]}"; do wait "$pid" || { echo "fuzz: compiling failed" >&2; exit 1; }; done
pids=()
for t in $TARGETS; do
  objects=()
  for src in $(sources_of "$t"); do objects+=("$(obj_of "$src")"); done
  while [ "$(jobs -rp | wc -l)" -ge "${JOBS:-2}" ]; do sleep 0.2; done
  "$CXX_FUZZ" "${FLAGS[@]}" -fsanitize=fuzzer "$ROOT/tests/fuzz/fuzz_$t.cpp" \
    "${objects[@]}" "${LIBS[@]}" -o "$OUT/fuzz_$t" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || { echo "fuzz: linking failed" >&2; exit 1; }; done
T_BUILD=$(date +%s)
n_targets=$(echo $TARGETS | wc -w)
per=$(( SECONDS_TOTAL / n_targets )); [ "$per" -ge 1 ] || per=1
total=0
status=0
for t in $TARGETS; do
  corpus="$OUT/corpus_$t"
  rm -rf "$corpus"; mkdir -p "$corpus"
  cp "$ROOT/tests/fuzz/corpus/$t/"* "$corpus/"
  log="$OUT/fuzz_$t.log"
  if ! "$OUT/fuzz_$t" -max_total_time="$per" -timeout=10 -rss_limit_mb=2048 \
       -max_len=65536 -dict="$ROOT/tests/fuzz/$t.dict" -print_final_stats=1 \
       -artifact_prefix="$OUT/artifacts/${t}_" \
       "$corpus" "$ROOT/tests/fuzz/regressions/$t" >"$log" 2>&1; then
    echo "fuzz: $t FAILED — see $log and $OUT/artifacts/" >&2
    grep -E "ERROR|SUMMARY|Test unit written" "$log" | head -5 >&2 || true
    status=1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  runs=${runs:-0}
  total=$(( total + runs ))
  echo "fuzz: $t: $runs executions in ${per} s"
  if [ "$KEEP" = 1 ]; then
    "$OUT/fuzz_$t" -merge=1 "$ROOT/tests/fuzz/corpus/$t" "$corpus" >/dev/null 2>&1 || true
  fi
done
T_END=$(date +%s)
echo "fuzz: $total executions; build $((T_BUILD - T0)) s, fuzzing $((T_END - T_BUILD)) s"
exit $status

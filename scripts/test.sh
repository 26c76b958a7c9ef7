#!/usr/bin/env bash
# Runs every test: the C++ format check (clang-format), C++ (GoogleTest via
# ctest, plus the install/consumer tests) and Python (pytest: API, docs code
# blocks, notebooks, CLI, plots, golden reports). Does the set-up first, so it
# works on a fresh machine.
# Set SCALEFIT_SANITIZE=1 (what CI does) to run the C++ and Python tests
# under ASan + UBSan as well (scripts/sanitize.sh). The GoogleTest suite then
# runs only in that instrumented build (-O1, NDEBUG): building it a second
# time in Release would add minutes and no check. Every other test still runs
# on the Release build.
set -uo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
stamp() { echo "== $1 ($(( $(date +%s) - start )) s)"; }
JOBS=${JOBS:-2}
BUILD=${BUILD_DIR:-build/cpp}
# The package build of setup.sh (pip, scikit-build-core) goes into $BUILD, and
# the C++ tests and examples are then added to that same build, so the library
# is compiled once in Release for both.
SKBUILD_BUILD_DIR="$BUILD" bash scripts/setup.sh || { echo "setup failed" >&2; exit 1; }
stamp "setup done"
status=0
# Every C++ file as .clang-format says (seconds; fails the run, not the rest).
bash scripts/format.sh --check || status=1
stamp "format check done"
GENERATOR="-G Ninja"
[ -f "$BUILD/CMakeCache.txt" ] && GENERATOR=""   # keep the package build's generator
UNIT_TESTS=ON
[ "${SCALEFIT_SANITIZE:-0}" = "1" ] && UNIT_TESTS=OFF
# shellcheck disable=SC2086
cmake -S . -B "$BUILD" $GENERATOR -DCMAKE_BUILD_TYPE=Release \
  -DSCALEFIT_BUILD_TESTS=ON -DSCALEFIT_BUILD_UNIT_TESTS=$UNIT_TESTS \
  -DSCALEFIT_BUILD_EXAMPLES=ON >/dev/null &&
  cmake --build "$BUILD" -j "$JOBS" || { echo "C++ build failed" >&2; exit 1; }
stamp "C++ build done"
ctest --test-dir "$BUILD" --output-on-failure -j "$JOBS" || status=1
stamp "ctest done"
# Fuzz smoke run of the formula and CSV parsers: 3 s each after replaying
# the corpus and the regressions (only the fuzzed files are compiled again,
# with clang; the rest is $BUILD's library). scripts/fuzz.sh documents the
# longer run of all three targets (formula, fit card, CSV).
bash scripts/fuzz.sh --targets "formula csv" --seconds "${FUZZ_SECONDS:-6}" --lib "$BUILD" || status=1
stamp "fuzz smoke run done"
# Two pytest workers (pytest-xdist): the tests are independent and most are
# single-threaded.
python3 -m pytest -q -n "${PYTEST_WORKERS:-$JOBS}" tests/python || status=1
stamp "pytest done"
if [ "${SCALEFIT_SANITIZE:-0}" = "1" ] && [ -x scripts/sanitize.sh ]; then
  bash scripts/sanitize.sh || status=1
  stamp "sanitizer run done"
fi
exit $status

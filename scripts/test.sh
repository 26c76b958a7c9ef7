#!/usr/bin/env bash
# Runs every test: the C++ format check (clang-format), C++ (GoogleTest via
# ctest, plus the install/consumer tests) and Python (pytest: API, docs code
# blocks, notebooks, CLI, plots, golden reports). Does the set-up first, so it
# works on a fresh machine.
# Set SCALEFIT_SANITIZE=1 to also run the C++ tests under ASan + UBSan.
set -uo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
stamp() { echo "== $1 ($(( $(date +%s) - start )) s)"; }
bash scripts/setup.sh || { echo "setup failed" >&2; exit 1; }
stamp "setup done"
JOBS=${JOBS:-2}
BUILD=${BUILD_DIR:-build/cpp}
status=0
# Every C++ file as .clang-format says (seconds; fails the run, not the rest).
bash scripts/format.sh --check || status=1
stamp "format check done"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DSCALEFIT_BUILD_TESTS=ON -DSCALEFIT_BUILD_EXAMPLES=ON >/dev/null &&
  cmake --build "$BUILD" -j "$JOBS" || { echo "C++ build failed" >&2; exit 1; }
stamp "C++ build done"
ctest --test-dir "$BUILD" --output-on-failure -j "$JOBS" || status=1
stamp "ctest done"
python3 -m pytest -q tests/python || status=1
stamp "pytest done"
if [ "${SCALEFIT_SANITIZE:-0}" = "1" ] && [ -x scripts/sanitize.sh ]; then
  bash scripts/sanitize.sh || status=1
  stamp "sanitizer run done"
fi
exit $status

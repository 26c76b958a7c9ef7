#!/usr/bin/env bash
# Runs every test: C++ (GoogleTest via ctest, plus the install/consumer test)
# and Python (pytest). Does the set-up first, so it works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
JOBS=${JOBS:-2}
BUILD=${BUILD_DIR:-build/cpp}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DSCALEFIT_BUILD_TESTS=ON -DSCALEFIT_BUILD_EXAMPLES=ON >/dev/null
cmake --build "$BUILD" -j "$JOBS"
ctest --test-dir "$BUILD" --output-on-failure -j "$JOBS"
python3 -m pytest -q tests/python

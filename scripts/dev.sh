#!/usr/bin/env bash
# Developer build: C++ library, tests, examples and the Python extension in
# one build directory (default build/dev), with an importable package tree at
# $BUILD/pkg (symlinks to python/scalefit plus the built _core). Use:
#   scripts/dev.sh [BUILD_DIR]            # build
#   PYTHONPATH=$BUILD/pkg python3 -m pytest tests/python
#   $BUILD/tests/scalefit_tests --gtest_filter='Fit*'
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${1:-$ROOT/build/dev}"
mkdir -p "$BUILD"
BUILD="$(cd "$BUILD" && pwd)"
LAUNCHER=""
command -v ccache >/dev/null && LAUNCHER="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
PYBIND_DIR="$(python3 -c 'import pybind11; print(pybind11.get_cmake_dir())')"
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-Release} \
  -DSCALEFIT_BUILD_TESTS=ON -DSCALEFIT_BUILD_EXAMPLES=ON -DSCALEFIT_BUILD_PYTHON=ON \
  -Dpybind11_DIR="$PYBIND_DIR" $LAUNCHER ${CMAKE_ARGS:-} >/dev/null
cmake --build "$BUILD" -j "${JOBS:-2}"
bash "$ROOT/scripts/link_pkg.sh" "$BUILD"
echo "dev build ready: PYTHONPATH=$BUILD/pkg" >&2

#!/usr/bin/env bash
# Installs everything scalefit needs on a fresh Debian 12 machine (run as
# root) and builds + installs the Python package. Idempotent. Says what it is
# doing, step by step, on stderr (the package build takes several minutes on
# two cores).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
say() { echo "setup [$(( $(date +%s) - start )) s]: $*" >&2; }

# Build and test tools (libboost-dev: Boost.Sort for large tables; libhwy-dev: Highway's vectorised sort
# for the distinct counts of large tables); chromium-headless-shell and fonts-dejavu-core let the
# docs test open the built site in a real browser (tests/python/test_site.py).
APT_PACKAGES=(build-essential ninja-build pkg-config
  libceres-dev libeigen3-dev libspdlog-dev libxsimd-dev libhwy-dev libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libssl-dev libboost-math-dev libboost-dev clang-format chromium-headless-shell fonts-dejavu-core
  clang libclang-rt-14-dev)  # clang + libFuzzer: scripts/fuzz.sh
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${#missing[@]} Debian package(s): ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
else
  say "Debian packages present"
fi

PY=${PYTHON:-python3}
# Build tools (cmake >= 3.21, ninja, scikit-build-core, pybind11) and test deps from PyPI.
say "installing Python build and test packages (pip)"
$PY -m pip install -q --disable-pip-version-check \
  "scikit-build-core>=0.8" "pybind11>=2.11" "cmake>=3.21" ninja \
  numpy pandas tqdm scipy matplotlib pytest pytest-xdist hypothesis nbclient nbformat ipykernel mkdocs \
  "dask[distributed]" \
  --root-user-action=ignore
# Build and install the package (C++ core + extension) from this tree.
say "building and installing scalefit (C++ library and Python extension; several minutes)"
$PY -m pip install -q --disable-pip-version-check --no-build-isolation \
  --root-user-action=ignore .
say "$($PY -c "import scalefit; print('scalefit', scalefit.__version__, 'installed')")"

#!/usr/bin/env bash
# Installs everything scalefit needs on a fresh Debian 12 machine (run as
# root) and builds + installs the Python package. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(build-essential ninja-build pkg-config
  libceres-dev libeigen3-dev libspdlog-dev libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev clang-format)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
# Build tools (cmake >= 3.21, ninja, scikit-build-core, pybind11) and test deps from PyPI.
$PY -m pip install -q --disable-pip-version-check \
  "scikit-build-core>=0.8" "pybind11>=2.11" "cmake>=3.21" ninja \
  numpy pandas scipy matplotlib pytest pytest-xdist hypothesis nbclient nbformat ipykernel mkdocs \
  --root-user-action=ignore
# Build and install the package (C++ core + extension) from this tree.
$PY -m pip install -q --disable-pip-version-check --no-build-isolation \
  --root-user-action=ignore .
$PY -c "import scalefit; print('setup: scalefit', scalefit.__version__, 'installed')" >&2

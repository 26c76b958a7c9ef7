#!/usr/bin/env bash
# Makes BUILD/pkg an importable package tree: symlinks to python/scalefit plus
# the _core extension built in BUILD/python, with the data files of data/ in
# scalefit/datasets/ as in an installed wheel. Used by dev.sh and sanitize.sh.
#   scripts/link_pkg.sh BUILD_DIR
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="$(cd "$1" && pwd)"
PKG="$BUILD/pkg/scalefit"
rm -rf "$BUILD/pkg"
mkdir -p "$PKG"
for f in "$ROOT"/python/scalefit/*; do
  case "$(basename "$f")" in _core*.so | datasets) continue ;; esac
  ln -s "$f" "$PKG/$(basename "$f")"
done
mkdir -p "$PKG/datasets"
for f in "$ROOT"/python/scalefit/datasets/* "$ROOT"/data/*; do
  case "$(basename "$f")" in __pycache__) continue ;; esac
  ln -s "$f" "$PKG/datasets/$(basename "$f")"
done
ln -s "$(ls "$BUILD"/python/_core*.so | head -1)" "$PKG/"

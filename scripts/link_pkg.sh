#!/usr/bin/env bash
# Makes BUILD/pkg an importable package tree: symlinks to python/scalefit plus
# the _core extension built in BUILD/python. Used by dev.sh and sanitize.sh.
#   scripts/link_pkg.sh BUILD_DIR
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="$1"
PKG="$BUILD/pkg/scalefit"
rm -rf "$BUILD/pkg"
mkdir -p "$PKG"
for f in "$ROOT"/python/scalefit/*; do
  case "$(basename "$f")" in _core*.so) continue ;; esac
  ln -s "$f" "$PKG/$(basename "$f")"
done
ln -s "$(ls "$BUILD"/python/_core*.so | head -1)" "$PKG/"

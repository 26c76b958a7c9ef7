#!/usr/bin/env bash
# Formats every C++ source of the repository with clang-format (.clang-format:
# Google style), or checks that it is formatted.
#   scripts/format.sh            # rewrite the files in place
#   scripts/format.sh --check    # list unformatted files, exit 1 if any (CI)
set -euo pipefail
cd "$(dirname "$0")/.."
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
if ! command -v "$CLANG_FORMAT" >/dev/null; then
  echo "format: $CLANG_FORMAT not found (scripts/setup.sh installs it)" >&2
  exit 1
fi
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # Tracked and new (untracked, not ignored) files.
  mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.cpp' '*.hpp')
else
  mapfile -t files < <(find include src tests examples benchmarks python/bindings \
                         -name '*.cpp' -o -name '*.hpp' | sort)
fi
if [ "${1:-}" = "--check" ]; then
  if ! "$CLANG_FORMAT" --dry-run --Werror "${files[@]}" 2>/tmp/format_check.$$; then
    grep -oE '^[^ :]+\.(cpp|hpp):[0-9]+:[0-9]+: (warning|error)' /tmp/format_check.$$ |
      cut -d: -f1 | sort -u | sed 's/^/  /' >&2
    rm -f /tmp/format_check.$$
    echo "format: the C++ files above are not clang-formatted; run scripts/format.sh" >&2
    exit 1
  fi
  rm -f /tmp/format_check.$$
  echo "format: ${#files[@]} C++ files formatted"
else
  "$CLANG_FORMAT" -i "${files[@]}"
fi

#!/usr/bin/env bash
# Builds swinpp and its tests if needed (tools/setup.sh first on a fresh clone)
# and runs the test suite. Exit status is non-zero on any failure.
# Usage: tools/test.sh [extra ctest arguments, e.g. -L golden]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
[ -f build/CMakeCache.txt ] || bash tools/setup.sh
cmake --build build -j "$(nproc)"
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"

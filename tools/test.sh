#!/usr/bin/env bash
# Builds swinpp if needed and runs the test suite. Exit status is non-zero on any failure.
# Usage: tools/test.sh [extra ctest arguments, e.g. -L golden]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
cmake --build build -j "$(nproc)"
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"

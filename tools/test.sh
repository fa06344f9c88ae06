#!/usr/bin/env bash
# Builds swinpp and its tests if needed (tools/setup.sh first on a fresh clone)
# and runs the test suite, then the fuzz targets. Exit status is non-zero on any failure.
# Usage: tools/test.sh [extra ctest arguments, e.g. -L golden]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
[ -f build/CMakeCache.txt ] || bash tools/setup.sh
cmake --build build -j "$(nproc)"
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
# The fuzz targets' saved reproducers and 30 s of fuzzing each (tools/fuzz.sh),
# where clang++ with libFuzzer is installed (tools/setup.sh installs it).
if echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }' |
  clang++ -x c++ -fsanitize=fuzzer,address,undefined -o /dev/null - 2> /dev/null; then
  bash tools/fuzz.sh --seconds 30
fi

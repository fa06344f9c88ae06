#!/usr/bin/env bash
# Writes gpu-bundle/ (ignored by git, at most 48 MiB): what tools/gpu/check.sh
# needs on a GPU host whose Python has torch 2.11.0+cu130 but which has no
# network and no package manager.
#   bin/   swinpp and test_gpu, stripped
#   lib/   every shared library they load that is neither LibTorch's, NVIDIA's
#          nor the C/C++ runtime's (yaml-cpp, spdlog, fmt, libjpeg-turbo, libpng)
#   src/   for a build from source there when the binaries cannot start: the
#          Debian .debs of the -dev packages and the Gloo headers
# Run after tools/setup.sh. Usage: tools/gpu/bundle.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
[ -f build/CMakeCache.txt ] || bash tools/setup.sh
cmake --build build -j "$(nproc)" --target swinpp_cli test_gpu
out=$root/gpu-bundle
rm -rf "$out"
mkdir -p "$out/bin" "$out/lib" "$out/src/debs"
cp build/swinpp build/tests/test_gpu "$out/bin/"
strip --strip-unneeded "$out/bin/"*

# Libraries: what ldd resolves outside the wheel (torch/, nvidia/) and outside
# the C and C++ runtimes every Linux host has.
runtime='^(libc|libm|libdl|librt|libpthread|ld-linux-x86-64|libstdc\+\+|libgcc_s|libgomp|libutil)\.so'
for binary in "$out/bin/"*; do
  ldd "$binary" | awk '/=> \// {print $1, $3}' | while read -r name path; do
    case $path in */site-packages/torch/* | */site-packages/nvidia/* | /usr/local/cuda*) continue ;; esac
    [[ $name =~ $runtime ]] && continue
    cp -L -n "$path" "$out/lib/$name"
  done
done

# From source: the -dev packages swinpp builds with, and Gloo's headers.
debs=(libyaml-cpp-dev libyaml-cpp0.7 libspdlog-dev libspdlog1.10 libfmt-dev libfmt9 libcli11-dev
  libturbojpeg0-dev libturbojpeg0 libjpeg62-turbo libjpeg62-turbo-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libpng-dev libpng16-16 zlib1g-dev)
(cd "$out/src/debs" && apt-get download "${debs[@]}" > /dev/null 2>&1) ||
  echo "bundle: could not download the .debs (no package registry?); no build from source there"
cp -r .deps/gloo "$out/src/gloo"

{
  echo "built $(date -u +%FT%TZ) on $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "commit $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with local changes)')"
  build/swinpp --version
} > "$out/MANIFEST"
size=$(du -sm "$out" | cut -f1)
echo "gpu-bundle: ${size} MiB ($(ls "$out/bin" | tr '\n' ' '); $(ls "$out/lib" | wc -l) libraries)"
if ((size > 48)); then
  echo "gpu-bundle is over 48 MiB" >&2
  exit 1
fi

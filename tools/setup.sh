#!/usr/bin/env bash
# Installs swinpp's Debian dependencies (idempotent) and builds the swinpp program
# (Release) into build/.
# Usage: tools/setup.sh [extra cmake configure arguments]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

packages=(build-essential cmake ninja-build pkg-config
  libtorch-dev libgloo-dev libopenblas0-openmp
  libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  libturbojpeg0-dev libpng-dev libgtest-dev libgmock-dev
  python3-torch python3-torchvision)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=(); [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  echo "setup: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Debian's libtorch calls whatever libblas.so.3 is selected: make it OpenBLAS.
blas=$(ls /usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3 2>/dev/null || true)
if [ -n "$blas" ] && [ "$(readlink -f /etc/alternatives/libblas.so.3-x86_64-linux-gnu 2>/dev/null)" != "$blas" ]; then
  sudo_cmd=(); [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" update-alternatives --set libblas.so.3-x86_64-linux-gnu "$blas"
fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build build -j "$(nproc)" --target swinpp_cli  # the tests build in tools/test.sh

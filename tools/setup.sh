#!/usr/bin/env bash
# Sets swinpp up on Debian 12 and builds the swinpp program (Release) into build/:
#  1. the Debian -dev packages swinpp links (apt, only what is missing);
#  2. Gloo's headers from Debian 13's libgloo-dev, unpacked into .deps/gloo
#     (the PyTorch wheel has Gloo built in but ships no headers; Debian 12's are
#     older than the store API LibTorch 2.11 uses);
#  3. a virtual environment .venv with the pinned PyTorch wheel (its LibTorch is
#     the one swinpp builds against), torchvision and timm (benchmark peers);
#  4. CMake against that LibTorch with CUDA (CMAKE_CUDA_ARCHITECTURES, default 90).
# Re-running skips what is already there.
# Usage: tools/setup.sh [extra cmake configure arguments]
# Environment: SWINPP_LIBTORCH=DIR builds against the (CPU-only) LibTorch in DIR
#   instead of the wheel, for machines without the CUDA toolkit;
#   CUDA_ARCHITECTURES=LIST overrides 90 (e.g. "80;90").
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)

packages=(build-essential cmake ninja-build pkg-config python3 python3-venv
  libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  libturbojpeg0-dev libpng-dev zlib1g-dev libboost-dev libarchive-dev libgtest-dev libgmock-dev)
# clang++ with libFuzzer and the sanitizer runtimes, for tools/fuzz.sh (run by tools/test.sh).
packages+=(clang libclang-rt-14-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends \
    "${missing[@]}"
fi

# Gloo headers: Debian 13 (trixie) libgloo-dev, fetched with a private apt
# configuration so that the system's package lists are left alone.
gloo=$root/.deps/gloo
if [ ! -f "$gloo/include/gloo/rendezvous/store.h" ]; then
  echo "setup: fetching Gloo headers (Debian 13 libgloo-dev)"
  apt_dir=$root/.deps/apt-trixie
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial"
  echo "deb http://deb.debian.org/debian trixie main" > "$apt_dir/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir" -o "Dir::State::status=/dev/null"
    -o "APT::Sandbox::User=root")
  apt-get "${apt_opts[@]}" update -q > "$apt_dir/update.log"
  (cd "$apt_dir" && apt-get "${apt_opts[@]}" download libgloo-dev > /dev/null)
  rm -rf "$gloo" && mkdir -p "$gloo"
  dpkg-deb -x "$apt_dir"/libgloo-dev_*.deb "$apt_dir/root"
  mv "$apt_dir/root/usr/include" "$gloo/include"
  rm -rf "$apt_dir"
fi

cmake_args=(-DCMAKE_BUILD_TYPE=Release)
if [ -n "${SWINPP_LIBTORCH:-}" ]; then
  [ -f "$SWINPP_LIBTORCH/share/cmake/Torch/TorchConfig.cmake" ] || {
    echo "setup: SWINPP_LIBTORCH=$SWINPP_LIBTORCH holds no share/cmake/Torch/TorchConfig.cmake" >&2
    exit 1
  }
  cmake_args+=("-DCMAKE_PREFIX_PATH=$SWINPP_LIBTORCH")
else
  if ! command -v nvcc > /dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then
    export PATH=/usr/local/cuda/bin:$PATH
  fi
  if ! command -v nvcc > /dev/null; then
    cat >&2 << 'MSG'
setup: the CUDA toolkit (nvcc) was not found. The PyTorch wheel swinpp builds against
is the CUDA 13.0 build, and its CMake files need the toolkit: install CUDA 13.0
(nvcc, cuBLAS, cuDNN, NCCL) and put its bin/ on PATH, or build against a CPU-only
LibTorch 2.11 with SWINPP_LIBTORCH=/path/to/libtorch tools/setup.sh
MSG
    exit 1
  fi
  # The Python side: the wheel's LibTorch, and the benchmark peers.
  venv=$root/.venv
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  stamp=$venv/.swinpp-requirements
  if ! cmp -s tools/requirements.txt "$stamp"; then
    echo "setup: installing tools/requirements.txt into .venv (torch's CUDA wheels: ~4 GB)"
    "$venv/bin/pip" install -q --upgrade pip
    "$venv/bin/pip" install -q -r tools/requirements.txt
    cp tools/requirements.txt "$stamp"
  fi
  torch_prefix=$("$venv/bin/python" -c 'import torch; print(torch.utils.cmake_prefix_path)')
  cmake_args+=("-DCMAKE_PREFIX_PATH=$torch_prefix"
    "-DCMAKE_CUDA_ARCHITECTURES=${CUDA_ARCHITECTURES:-90}")
fi

log=$(mktemp)
cmake -S . -B build -G Ninja "${cmake_args[@]}" "$@" > "$log" 2>&1 || {
  cat "$log"
  exit 1
}
grep -E "^-- swinpp:" "$log" || true
rm -f "$log"
cmake --build build -j "$(nproc)" --target swinpp_cli  # the tests build in tools/test.sh

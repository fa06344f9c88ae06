#!/usr/bin/env bash
# The checks of a GPU host, in one run (see ../shared/gpu/README.md for how the
# dependencies travel): build against the PyTorch wheel's LibTorch, the
# gpu-labelled and golden tests, SimMIM pre-training and fine-tuning through
# the NCCL backend at world size 1, and training-step benchmarks on the GPU.
# Every log and result goes under OUT (default gpu-results/); the exit status
# is non-zero when the build or a test fails.
# Usage: bash tools/gpu_check.sh        (after ../shared/gpu/pack-deps.sh filled .deps/)
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
out=${OUT:-$root/gpu-results}
mkdir -p "$out"
status=0
step() { echo "== $*" | tee -a "$out/summary.txt"; }

step "build"
nvidia-smi > "$out/nvidia-smi.txt" 2>&1
if ! bash .deps/build-on-gpu.sh > "$out/build.log" 2>&1; then
  tail -n 60 "$out/build.log"
  exit 1
fi
export LD_LIBRARY_PATH=/opt/swinpp-deps/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
swinpp=$root/build-cuda/swinpp

step "tests: gpu, golden"
ctest --test-dir build-cuda -L 'gpu|golden' --output-on-failure > "$out/ctest.log" 2>&1 || status=1
tail -n 5 "$out/ctest.log" | tee -a "$out/summary.txt"

step "NCCL at world size 1: pre-training and fine-tuning on cuda"
data=$out/data
"$swinpp" make-dataset --out "$data" --classes 4 --per-class 32 --val-per-class 8 --size 64 \
  > "$out/nccl.log" 2>&1
for task in pretrain finetune; do
  config=configs/tiny/swinv2_tiny_golden64.yaml
  [ "$task" = pretrain ] && config=configs/tiny/simmim_tiny_golden64.yaml
  "$swinpp" launch --nproc 1 -- swinpp "$task" --config "$config" --device cuda \
    --opts DATA.DATA_PATH "$data" OUTPUT "$out/runs" DIST.BACKEND nccl AMP_ENABLE true \
    >> "$out/nccl.log" 2>&1 || status=1
done
grep -E "ranks \(|done:|validation|error" "$out/nccl.log" | tee -a "$out/summary.txt"

step "benchmarks: training step, bf16 autocast, synthetic data"
for variant in tiny base; do
  "$swinpp" bench model --device cuda --batch 128 --steps 20 --warmup 5 \
    --config "configs/swinv2/swinv2_${variant}_patch4_window8_256.yaml" \
    --opts AMP_ENABLE true TRAIN.AMP_DTYPE bfloat16 2>&1 | tee -a "$out/bench.jsonl" || status=1
done
exit $status

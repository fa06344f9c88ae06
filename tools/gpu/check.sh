#!/usr/bin/env bash
# The checks of a GPU host, in one call, within about 8 minutes on an H100:
#   1. nvidia-smi, and `swinpp --version` from gpu-bundle/ (tools/gpu/bundle.sh);
#      if the prebuilt program cannot start, why, and a build from source there
#   2. the gpu tests: golden cases on CUDA (fp32, TF32, bf16 autocast), a bf16
#      training step against the CPU, fused attention and AdamW on CUDA, the
#      fp16 loss scaler, every Communicator collective on NCCL at world size 1,
#      CUDA-graph steps against eager ones
#   3. fine-tuning and SimMIM pre-training through NCCL on generated data (a few
#      hundred steps each), killed with SIGKILL after a checkpoint and resumed;
#      40 fine-tuning steps with --forbid-device-syncs (bf16 and fp16, and bf16
#      with the step captured as a CUDA graph, TRAIN.CUDA_GRAPH)
#   4. tools/bench_model.sh for SwinV2-T and SwinV2-B w8 256 against timm eager
#      and torch.compile (bf16, AdamW, synthetic data, batch BATCH, default 128):
#      training and inference images/s with peak memory and MFU; training also
#      with swinpp's step replayed as a CUDA graph, and for SwinV2-T the longest
#      CUDA kernels of one profiled training step of each; then SwinV2-B 384
#      window 24 with activation checkpointing against timm eager (batch BATCH/4):
#      the peak memory per image
#   5. one SwinV2-G (3B parameters) training step at 1536 x 1536 on the GPU
#      (window 32, activation checkpointing, sequential attention, bf16): step
#      time and peak memory, or where it ran out
# Each step has a time budget; whatever finished is kept. Without a GPU the
# CUDA parts say "no CUDA device" and the rest runs (the training on the CPU
# through Gloo), which is how it is dry-run on a build machine.
# Results in OUT (default gpu-results/): summary.md, results.jsonl (one JSON
# line per measurement), gtest.json, check.log.
# Usage: tools/gpu/check.sh   (from the project root, gpu-bundle/ beside it)
# Environment: PYTHON (default /opt/torch/.venv/bin/python3, else .venv/bin/python),
#   BATCH (128), BUDGET_S (480), STEPS (bench steps, 20), PEAK_TFLOPS (the GPU's dense
#   bf16 peak for MFU; default from the GPU's name), SECTIONS (which of 2-5
#   to run, default "2 3 4 5"; a second call can run what the first had no time for).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
out=${OUT:-$root/gpu-results}
mkdir -p "$out"
: > "$out/results.jsonl"
log=$out/check.log
: > "$log"
summary=$out/summary.md
start=$(date +%s)
deadline=$((start + ${BUDGET_S:-480}))
batch=${BATCH:-128}
steps=${STEPS:-20}
status=0

say() { echo "$*" | tee -a "$summary"; }
left() { echo $((deadline - $(date +%s))); }
# budget SECONDS COMMAND...: runs COMMAND with at most SECONDS (and never past the deadline).
budget() {
  local want=$1 have
  shift
  have=$(left)
  ((have < want)) && want=$have
  if ((want <= 5)); then
    echo "(skipped: out of time)" >> "$log"
    return 124
  fi
  timeout --signal=KILL "$want" "$@"
}

echo "# swinpp GPU check, $(date -u +%FT%TZ)" > "$summary"
python=${PYTHON:-}
for candidate in /opt/torch/.venv/bin/python3 "$root/.venv/bin/python" python3; do
  [ -n "$python" ] && break
  command -v "$candidate" > /dev/null && python=$candidate
done
torch_dir=$("$python" -c 'import os, torch; print(os.path.dirname(torch.__file__))')
site=$(dirname "$torch_dir")
nvidia_libs=$(ls -d "$site"/nvidia/*/lib 2> /dev/null | tr '\n' ':')
export LD_LIBRARY_PATH=$root/gpu-bundle/lib:$torch_dir/lib:$nvidia_libs${LD_LIBRARY_PATH:-}
cuda=$("$python" -c 'import torch; print(int(torch.cuda.is_available()))' 2>> "$log")
say "- python: $python, torch $("$python" -c 'import torch; print(torch.__version__)')"
# The GPU's stated dense bf16 peak, TFLOP/s, for MFU (PEAK_TFLOPS overrides; 0: unknown).
peak_tflops=${PEAK_TFLOPS:-0}
if command -v nvidia-smi > /dev/null && nvidia-smi >> "$log" 2>&1; then
  gpu_name=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -n1)
  if [ -z "${PEAK_TFLOPS:-}" ]; then
    case $gpu_name in
      *H100*PCIe*) peak_tflops=756 ;;
      *H100*NVL* | *H200*NVL*) peak_tflops=835 ;;
      *H100* | *H200*) peak_tflops=989 ;;  # SXM
    esac
  fi
  say "- GPU: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | head -n1); dense bf16 peak for MFU: $peak_tflops TFLOP/s"
else
  say "- GPU: no CUDA device (nvidia-smi: $(command -v nvidia-smi || echo not found))"
fi

# ---- 1. the program ---------------------------------------------------------
say "## 1. swinpp"
swinpp=$root/gpu-bundle/bin/swinpp
test_gpu=$root/gpu-bundle/bin/test_gpu
if ! "$swinpp" --version >> "$log" 2>&1; then
  say "- the prebuilt program does not start here:"
  { ldd "$swinpp" 2>&1 | grep -E "not found|version" || "$swinpp" --version 2>&1 | tail -n 3; } |
    sed 's/^/    /' | tee -a "$summary"
  say "- building from source (gpu-bundle/src/debs into /tmp/swinpp-deps, the host's torch)"
  deps=/tmp/swinpp-deps
  mkdir -p "$deps"
  for deb in gpu-bundle/src/debs/*.deb; do dpkg-deb -x "$deb" "$deps"; done
  export LD_LIBRARY_PATH=$deps/usr/lib/x86_64-linux-gnu:$LD_LIBRARY_PATH
  export PKG_CONFIG_PATH=$deps/usr/lib/x86_64-linux-gnu/pkgconfig:$deps/usr/share/pkgconfig
  torch_cmake=$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)')
  gen=()
  command -v ninja > /dev/null && gen=(-G Ninja)
  if budget 360 cmake -S . -B build-gpu "${gen[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$deps/usr;$deps/usr/share;$torch_cmake" \
    -DSWINPP_GLOO_INCLUDE="$root/gpu-bundle/src/gloo/include" >> "$log" 2>&1 &&
    budget 360 cmake --build build-gpu -j "$(nproc)" --target swinpp_cli test_gpu >> "$log" 2>&1; then
    swinpp=$root/build-gpu/swinpp
    test_gpu=$root/build-gpu/tests/test_gpu
    say "- built from source in $(($(date +%s) - start)) s"
  else
    say "- the build from source failed (check.log)"
    tail -n 30 "$log"
    exit 1
  fi
fi
"$swinpp" --version | sed 's/^/    /' | tee -a "$summary"

section_2() {
# ---- 2. gpu tests -----------------------------------------------------------
say "## 2. gpu tests (golden on CUDA, kernels, loss scaler, NCCL collectives)"
SWINPP_GOLDEN_DIR=$root/tests/data/golden budget 120 "$test_gpu" \
  --gtest_output="json:$out/gtest.json" >> "$log" 2>&1 || status=1
"$python" - "$out/gtest.json" << 'PY' | tee -a "$summary"
import json, sys
try:
    report = json.load(open(sys.argv[1]))
except Exception as e:
    print(f"- no test report ({e})"); sys.exit()
counts = {"passed": 0, "failed": 0, "skipped": 0}
for suite in report["testsuites"]:
    for t in suite["testsuite"]:
        state = "failed" if t.get("failures") else "skipped" if t.get("result") == "SKIPPED" else "passed"
        counts[state] += 1
        if state == "failed":
            print(f"- FAILED {suite['name']}.{t['name']}: " + t["failures"][0]["failure"].splitlines()[0])
print(f"- {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped"
      + (" (no CUDA device)" if counts["skipped"] and not counts["passed"] else ""))
PY
}

section_3() {
# ---- 3. training through NCCL, killed and resumed -------------------------------
if [ "$cuda" = 1 ]; then
  device=cuda backend=nccl epochs=30
  say "## 3. fine-tuning and SimMIM pre-training through NCCL, SIGKILL, resume"
else
  device=cpu backend=gloo epochs=4
  say "## 3. no CUDA device: fine-tuning and SimMIM pre-training on the CPU through Gloo, SIGKILL, resume"
fi
data=/tmp/swinpp-check-data
rm -rf "$data" /tmp/swinpp-check-runs
"$swinpp" make-dataset --out "$data" --classes 4 --per-class 32 --val-per-class 8 --size 64 >> "$log" 2>&1
for task in finetune pretrain; do
  config=configs/tiny/swinv2_tiny_golden64.yaml
  [ "$task" = pretrain ] && config=configs/tiny/simmim_tiny_golden64.yaml
  run_out=/tmp/swinpp-check-runs/$task
  cmd=("$swinpp" launch --nproc 1 -- swinpp "$task" --config "$config" --device "$device"
    --opts DATA.DATA_PATH "$data" DATA.BATCH_SIZE 16 TRAIN.EPOCHS "$epochs" TRAIN.WARMUP_EPOCHS 1
    TRAIN.SAVE_STEPS 25 PRINT_FREQ 25 OUTPUT "$run_out" DIST.BACKEND "$backend"
    AMP_ENABLE true TRAIN.AMP_DTYPE bfloat16)
  task_start=$(date +%s)
  "${cmd[@]}" >> "$log" 2>&1 &
  pid=$!
  # Kill it once its second checkpoint is complete.
  while kill -0 "$pid" 2> /dev/null && (($(left) > 10)); do
    n=$(find "$run_out" -name COMPLETE -path "*ckpt_step_*" 2> /dev/null | wc -l)
    ((n >= 2)) && break
    sleep 0.5
  done
  pkill -KILL -P "$pid" 2> /dev/null
  kill -KILL "$pid" 2> /dev/null
  wait "$pid" 2> /dev/null
  killed_at=$(find "$run_out" -name COMPLETE -path "*ckpt_step_*" 2> /dev/null | sed 's/.*ckpt_step_\([0-9]*\).*/\1/' | sort -n | tail -n1)
  killed_at=$((10#${killed_at:-0}))
  if budget 150 "${cmd[@]}" > "$out/resume.log" 2>&1; then
    result=$(grep -E "resumed from|done|top-1|loss" "$out/resume.log" | tail -n 2 | tr '\n' ' ')
    say "- $task on $device: killed after step ${killed_at:-?}, resumed and finished in $(($(date +%s) - task_start)) s: $result"
    grep -q "resumed from" "$out/resume.log" || { say "  (the restart did not resume)"; status=1; }
  else
    say "- $task on $device: the resumed run failed or ran out of time"
    tail -n 5 "$out/resume.log" | sed 's/^/    /' | tee -a "$summary"
    status=1
  fi
  cat "$out/resume.log" >> "$log"
  rm -f "$out/resume.log"
done

# No host sync in a training step but on logging and checkpoint steps: CUDA's
# sync debug mode set to error around every other step (bf16 and fp16).
if [ "$cuda" = 1 ]; then
  for dtype in bfloat16 float16; do
    if budget 60 "$swinpp" finetune --config configs/tiny/swinv2_tiny_golden64.yaml --device cuda \
      --forbid-device-syncs --max-steps 40 --opts DATA.DATA_PATH "$data" DATA.BATCH_SIZE 16 \
      TRAIN.EPOCHS 5 PRINT_FREQ 20 TRAIN.SAVE_STEPS 0 OUTPUT /tmp/swinpp-check-runs/syncs-$dtype \
      AMP_ENABLE true TRAIN.AMP_DTYPE "$dtype" >> "$log" 2>&1; then
      say "- 40 fine-tuning steps ($dtype) under CUDA's sync debug mode: no sync outside logging steps"
    else
      say "- a fine-tuning step ($dtype) waited for the GPU outside a logging step (see check.log)"
      status=1
    fi
  done
  # The step captured as a CUDA graph and replayed, under the same sync check.
  for task in finetune pretrain; do
    config=configs/tiny/swinv2_tiny_golden64.yaml
    [ "$task" = pretrain ] && config=configs/tiny/simmim_tiny_golden64.yaml
    graph_log=/tmp/swinpp-check-runs/graph-$task.log
    if budget 60 "$swinpp" "$task" --config "$config" --device cuda --forbid-device-syncs \
      --max-steps 40 --opts DATA.DATA_PATH "$data" DATA.BATCH_SIZE 16 TRAIN.EPOCHS 5 \
      PRINT_FREQ 20 TRAIN.SAVE_STEPS 0 OUTPUT /tmp/swinpp-check-runs/graph-$task \
      AMP_ENABLE true TRAIN.AMP_DTYPE bfloat16 MODEL.DROP_PATH_RATE 0.1 TRAIN.CUDA_GRAPH true \
      > "$graph_log" 2>&1; then
      say "- 40 $task steps (bf16) with TRAIN.CUDA_GRAPH: $(grep -o "CUDA graph: .*" "$graph_log" | tail -n1); $(grep -o "loss [0-9.]*" "$graph_log" | tail -n1)"
    else
      say "- $task with TRAIN.CUDA_GRAPH failed (see check.log)"
      tail -n 5 "$graph_log" | sed 's/^/    /' | tee -a "$summary"
      status=1
    fi
    cat "$graph_log" >> "$log"
  done
fi
}

section_4() {
# ---- 4. benchmarks ------------------------------------------------------------
say "## 4. benchmarks against timm (bf16 autocast, AdamW, synthetic data, batch $batch)"
if [ "$cuda" != 1 ]; then
  say "- no CUDA device: skipped"
else
  for variant in tiny base; do
    for what in train inference; do
      graph_flag=()
      [ "$what" = train ] && graph_flag=(--cuda-graph)
      # Where SwinV2-T's training step spends its time, kernel by kernel, for each.
      [ "$what" = train ] && [ "$variant" = tiny ] && graph_flag+=(--profile)
      bench 150 --variant "$variant" --batch "$batch" --what "$what" --peers "timm timm_compile" \
        "${graph_flag[@]}"
    done
  done
  # Memory: SwinV2-B 384 window 24, swinpp with activation checkpointing against timm eager.
  say "### SwinV2-B 384 window 24: swinpp with activation checkpointing, timm eager (batch $((batch / 4)))"
  bench 120 --variant base --img-size 384 --window 24 --batch $((batch / 4)) --what train \
    --peers timm --checkpoint
fi
}

# bench SECONDS ARGS...: tools/bench_model.sh on CUDA in bf16 with ARGS, its JSON lines
# to results.jsonl and its summary to summary.md.
bench() {
  local seconds=$1
  shift
  budget "$seconds" env SWINPP="$swinpp" PYTHON="$python" bash tools/bench_model.sh --device cuda \
    --amp bf16 --steps "$steps" --warmup 3 --peak-tflops "$peak_tflops" "$@" > "$out/bench.txt" \
    2>> "$log" || status=1
  grep "^{" "$out/bench.txt" >> "$out/results.jsonl"
  grep -v "^{" "$out/bench.txt" | sed 's/^/    /' | tee -a "$summary"
  rm -f "$out/bench.txt"
}

section_5() {
# ---- 5. the moonshot: SwinV2-G at 1536 x 1536 on one GPU -----------------------
say "## 5. one SwinV2-G training step at 1536 x 1536 (window 32, activation checkpointing, 16 windows attended at a time, bf16, AdamW, batch 1)"
if [ "$cuda" != 1 ]; then
  say "- no CUDA device: skipped"
else
  if budget 240 "$swinpp" bench model --config configs/swinv2/swinv2_giant_patch4_window12_192.yaml \
    --device cuda --batch 1 --steps 2 --warmup 1 --opts DATA.IMG_SIZE 1536 \
    MODEL.SWINV2.WINDOW_SIZE 32 MODEL.SWINV2.SEQUENTIAL_ATTENTION_WINDOWS 16 \
    AMP_ENABLE true TRAIN.AMP_DTYPE bfloat16 DIST.ZERO_STAGE 0 > "$out/giant.txt" 2>> "$log"; then
    grep "^{" "$out/giant.txt" >> "$out/results.jsonl"
    "$python" - "$(grep "^{" "$out/giant.txt" | tail -n1)" << 'PY' | tee -a "$summary"
import json, sys
r = json.loads(sys.argv[1])
print(f"- fits: {r['step_seconds']:.2f} s per step, peak {r['peak_memory_bytes'] / 2**30:.1f} GiB "
      "allocated (the CUDA caching allocator's peak)")
PY
  else
    say "- did not run to the end (out of memory or time); the last lines:"
    tail -n 4 "$log" | cut -c1-400 | sed 's/^/    /' | tee -a "$summary"
    status=1
  fi
  rm -f "$out/giant.txt"
fi
}

# The sections SECTIONS names (default all), in order; section 1 always runs.
for section in ${SECTIONS:-2 3 4 5}; do
  "section_$section"
done
say "finished in $(($(date +%s) - start)) s, status $status"
exit $status

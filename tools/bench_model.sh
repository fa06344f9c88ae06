#!/usr/bin/env bash
# Training-step (or inference) throughput of swinpp against its Python peers on
# the same torch (the project's .venv): timm eager, timm under torch.compile and
# torchvision, with the same model, shapes, batch, device and thread count, in
# the same run. Prints every JSON line, then swinpp's ratio to each peer.
# Usage: tools/bench_model.sh [--variant tiny|small|base] [--window 8|16|24] [--img-size 256|384]
#          [--batch B] [--steps N] [--warmup N] [--threads T] [--device cpu|cuda] [--amp off|bf16]
#          [--what train|inference] [--peers "timm timm_compile torchvision"] [--count-ops]
#          [--cuda-graph] [--profile] [--checkpoint] [--peak-tflops T]
# --img-size 384 --window 24 is SwinV2-B 384 fine-tuned from window 12 at 192
# (configs/swinv2/swinv2_base_patch4_window12to24_192to384_22kto1k_ft.yaml; timm's
# swinv2_base_window12to24_192to384).
# --checkpoint runs swinpp with activation checkpointing (TRAIN.USE_CHECKPOINT), the
# peers without: the peak memory per image is then compared.
# --peak-tflops T also prints each one's MFU: the model's FLOPs per image (swinpp's
# count: 2 per multiply-add of the forward pass, 3 passes for training) times
# images/s, over T dense TFLOP/s (the GPU's stated peak for the dtype).
# --count-ops also counts the ATen operators of one step of each (all aten::
# calls and the top-level ones, as the profiler records them) and their ratio.
# --cuda-graph (training on CUDA) also measures swinpp's step captured as a CUDA
# graph and replayed (TRAIN.CUDA_GRAPH), in the same run, with its own ratios.
# --profile profiles one more step of each and prints where its time goes: the
# longest CUDA kernels by name (on the CPU: aten:: operators, inclusive time).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=${PYTHON:-$root/.venv/bin/python}
swinpp=${SWINPP:-$root/build/swinpp}
variant=tiny window=8 img_size=256 batch=4 steps=5 warmup=2 threads=$(nproc) device=cpu amp=off
what=train peak_tflops=0
checkpoint=()
peers="timm timm_compile torchvision"
count_ops=()
profile=()
cuda_graph=0
while (($#)); do
  case $1 in
    --variant) variant=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
    --img-size) img_size=$2; shift 2 ;;
    --checkpoint) checkpoint=(TRAIN.USE_CHECKPOINT true); shift ;;
    --peak-tflops) peak_tflops=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --device) device=$2; shift 2 ;;
    --amp) amp=$2; shift 2 ;;
    --what) what=$2; shift 2 ;;
    --peers) peers=$2; shift 2 ;;
    --count-ops) count_ops=(--count-ops); shift ;;
    --cuda-graph) cuda_graph=1; shift ;;
    --profile) profile=(--profile); shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ "$img_size" = 256 ]; then
  config=$root/configs/swinv2/swinv2_${variant}_patch4_window${window}_256.yaml
else  # fine-tuned at a larger size from a smaller window
  config=$(ls "$root"/configs/swinv2/swinv2_"${variant}"_patch4_window*to"${window}"_*to"${img_size}"_*.yaml \
    2> /dev/null | head -n1)
fi
[ -f "$config" ] || { echo "no config for SwinV2 $variant window $window at ${img_size}px" >&2; exit 2; }
opts=(AMP_ENABLE false)
[ "$amp" = bf16 ] && opts=(AMP_ENABLE true TRAIN.AMP_DTYPE bfloat16)
opts+=("${checkpoint[@]}")
what_flag=()
[ "$what" = inference ] && what_flag=(--inference)
ours=$("$swinpp" bench model --config "$config" --batch "$batch" --steps "$steps" \
  --warmup "$warmup" --threads "$threads" --device "$device" "${what_flag[@]}" "${count_ops[@]}" \
  "${profile[@]}" --opts "${opts[@]}")
echo "$ours"
ours_graph=()
if ((cuda_graph)) && [ "$what" = train ]; then
  ours_graph=("$("$swinpp" bench model --config "$config" --batch "$batch" --steps "$steps" \
    --warmup "$warmup" --threads "$threads" --device "$device" --cuda-graph "${profile[@]}" \
    --opts "${opts[@]}")")
  echo "${ours_graph[0]}"
fi
impl_args=()
for p in $peers; do impl_args+=(--impl "$p"); done
mapfile -t theirs < <("$python" "$root/tools/bench_model_peers.py" "${impl_args[@]}" \
  --variant "$variant" --window "$window" --img-size "$img_size" --batch "$batch" --steps "$steps" \
  --warmup "$warmup" \
  --threads "$threads" --device "$device" --amp "$amp" --what "$what" "${count_ops[@]}" \
  "${profile[@]}" 2> /dev/null)
printf '%s\n' "${theirs[@]}"
"$python" - "$peak_tflops" "${#checkpoint[@]}" "$ours" "${ours_graph[@]}" -- "${theirs[@]}" << 'PY'
import json, sys
peak_tflops, checkpoint = float(sys.argv[1]), sys.argv[2] != "0"
split = sys.argv.index("--")
ours = [json.loads(line) for line in sys.argv[3:split]]
theirs = [json.loads(line) for line in sys.argv[split + 1:]]
flops = ours[0].get("flops_per_image", 0)  # the same model for every implementation
def cuda_peak(r):  # the CUDA allocator's peak; a CPU process's max RSS says nothing per model
    return r["peak_memory_bytes"] if r.get("peak_memory_kind") == "cuda_allocated" else 0
def mib(r):
    return f", peak {cuda_peak(r) / 2**20:.0f} MiB" if cuda_peak(r) else ""
def mfu(r):
    return f", MFU {100 * r['images_per_s'] * flops / (peak_tflops * 1e12):.1f}%" if peak_tflops else ""
for a in ours:
    name = "swinpp+cuda_graph" if a.get("cuda_graph") else "swinpp"
    if checkpoint:
        name += "+checkpointing"
    print(f"{name} {a['images_per_s']:.2f} img/s{mib(a)}{mfu(a)} ({a['what']}, SwinV2 "
          f"{a.get('img_size')}px window {a.get('window')}, batch {a['batch']}, {a['device']}, "
          f"amp {a['amp']}, {a['threads']} threads)")
    for b in theirs:
        if "error" in b:
            print(f"  {b['impl']}: not measured ({b['error']})")
            continue
        memory = ""
        if cuda_peak(a) and cuda_peak(b):  # the same batch: the ratio per image
            memory = f"; peak memory per image {name}/{b['impl']} {cuda_peak(a) / cuda_peak(b):.2f}x"
        print(f"  {b['impl']}: {b['images_per_s']:.2f} img/s{mib(b)}{mfu(b)}; {name}/{b['impl']} "
              f"{a['images_per_s'] / b['images_per_s']:.2f}x{memory}")
        if "aten_ops" in a and "aten_ops" in b:
            print(f"    ATen operators per step: swinpp {a['aten_ops']} ({a['top_level_aten_ops']} "
                  f"top-level), {b['impl']} {b['aten_ops']} ({b['top_level_aten_ops']} top-level); "
                  f"top-level ratio {a['top_level_aten_ops'] / b['top_level_aten_ops']:.2f}x")
for r in ours + theirs:
    p = r.get("profile")
    if not p:
        continue
    name = "swinpp+cuda_graph" if r.get("cuda_graph") else r["impl"]
    print(f"{name}: one profiled step, {p['total_ms']:.1f} ms of {p['profiled']}; the longest:")
    for kernel, ms, calls in p["top"][:15]:
        print(f"    {ms:8.2f} ms {100 * ms / p['total_ms']:5.1f}% {calls:5d}x  {kernel[:100]}")
if len(ours) == 2:
    print(f"  swinpp+cuda_graph/swinpp {ours[1]['images_per_s'] / ours[0]['images_per_s']:.2f}x")
PY

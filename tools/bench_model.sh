#!/usr/bin/env bash
# Training-step (or inference) throughput of swinpp against its Python peers on
# the same torch (the project's .venv): timm eager, timm under torch.compile and
# torchvision, with the same model, shapes, batch, device and thread count, in
# the same run. Prints every JSON line, then swinpp's ratio to each peer.
# Usage: tools/bench_model.sh [--variant tiny|small|base] [--window 8|16] [--batch B]
#          [--steps N] [--warmup N] [--threads T] [--device cpu|cuda] [--amp off|bf16]
#          [--what train|inference] [--peers "timm timm_compile torchvision"] [--count-ops]
#          [--cuda-graph] [--profile]
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
variant=tiny window=8 batch=4 steps=5 warmup=2 threads=$(nproc) device=cpu amp=off what=train
peers="timm timm_compile torchvision"
count_ops=()
profile=()
cuda_graph=0
while (($#)); do
  case $1 in
    --variant) variant=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
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
config=$root/configs/swinv2/swinv2_${variant}_patch4_window${window}_256.yaml
[ -f "$config" ] || { echo "no config $config" >&2; exit 2; }
opts=(AMP_ENABLE false)
[ "$amp" = bf16 ] && opts=(AMP_ENABLE true TRAIN.AMP_DTYPE bfloat16)
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
  --variant "$variant" --window "$window" --batch "$batch" --steps "$steps" --warmup "$warmup" \
  --threads "$threads" --device "$device" --amp "$amp" --what "$what" "${count_ops[@]}" \
  "${profile[@]}" 2> /dev/null)
printf '%s\n' "${theirs[@]}"
"$python" - "$ours" "${ours_graph[@]}" -- "${theirs[@]}" << 'PY'
import json, sys
split = sys.argv.index("--")
ours = [json.loads(line) for line in sys.argv[1:split]]
theirs = [json.loads(line) for line in sys.argv[split + 1:]]
def mib(r):  # the CUDA allocator's peak; a CPU process's max RSS says nothing per model
    cuda = r.get("peak_memory_kind") == "cuda_allocated"
    return f", peak {r['peak_memory_bytes'] / 2**20:.0f} MiB" if cuda else ""
for a in ours:
    name = "swinpp+cuda_graph" if a.get("cuda_graph") else "swinpp"
    print(f"{name} {a['images_per_s']:.2f} img/s{mib(a)} ({a['what']}, SwinV2 {a.get('img_size')}px "
          f"window {a.get('window')}, batch {a['batch']}, {a['device']}, amp {a['amp']}, "
          f"{a['threads']} threads)")
    for b in theirs:
        if "error" in b:
            print(f"  {b['impl']}: not measured ({b['error']})")
            continue
        print(f"  {b['impl']}: {b['images_per_s']:.2f} img/s{mib(b)}; {name}/{b['impl']} "
              f"{a['images_per_s'] / b['images_per_s']:.2f}x")
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

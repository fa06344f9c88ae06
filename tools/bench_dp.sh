#!/usr/bin/env bash
# Step-time overhead of data parallelism on this machine: one process against
# N ranks (Gloo over 127.0.0.1) with the same per-rank batch and threads per
# rank, for swinpp and, in the same run, for PyTorch DDP on torchvision's
# swin_v2_t. Prints each JSON line and the overheads.
# Usage: tools/bench_dp.sh [--nproc N] [--batch B] [--steps N] [--threads T] [--zero-stage S]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=${PYTHON:-$root/.venv/bin/python}
config=$root/configs/swinv2/swinv2_tiny_patch4_window8_256.yaml
nproc=2 batch=2 steps=8 threads=1 zero=0
while (($#)); do
  case $1 in
    --nproc) nproc=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --zero-stage) zero=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
swinpp=$root/build/swinpp
bench=(bench model --config "$config" --batch "$batch" --steps "$steps" --threads "$threads"
  --opts DIST.ZERO_STAGE "$zero" AMP_ENABLE false)
one=$("$swinpp" "${bench[@]}")
many=$("$swinpp" launch --nproc "$nproc" -- swinpp "${bench[@]}" | grep "^{")
peer=()
for n in 1 "$nproc"; do
  peer+=("$("$python" "$root/tools/bench_dp_torch.py" --nproc "$n" --batch "$batch" \
    --steps "$steps" --threads "$threads")")
done
printf '%s\n' "$one" "$many" "${peer[@]}"
"$python" - "$one" "$many" "${peer[@]}" <<'PY'
import json, sys
a1, an, p1, pn = (json.loads(s) for s in sys.argv[1:5])
def overhead(one, many):
    return 100.0 * (many["step_seconds"] / one["step_seconds"] - 1.0)
print(f"swinpp: {a1['step_seconds']:.3f} s/step on 1 rank, {an['step_seconds']:.3f} s/step on "
      f"{an['world_size']} ranks: overhead {overhead(a1, an):+.1f}%")
print(f"torch DDP: {p1['step_seconds']:.3f} s/step on 1 rank, {pn['step_seconds']:.3f} s/step on "
      f"{pn['world_size']} ranks: overhead {overhead(p1, pn):+.1f}%")
print(f"swinpp / DDP step time at {an['world_size']} ranks: "
      f"{an['step_seconds'] / pn['step_seconds']:.2f}x")
PY

#!/usr/bin/env bash
# Training-step throughput of swinpp against torchvision's swin_v2_t, measured in
# the same run with the same shapes and thread count; prints both and the ratio.
# Usage: tools/bench_model.sh [--config C] [--batch B] [--steps N] [--threads T]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
config=$root/configs/swinv2/swinv2_tiny_patch4_window8_256.yaml
batch=4 steps=5 threads=$(nproc)
while (($#)); do
  case $1 in
    --config) config=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
swinpp=$root/build/swinpp
ours=$("$swinpp" bench model --config "$config" --batch "$batch" --steps "$steps" --threads "$threads")
img=$(echo "$ours" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["img_size"])')
win=$(echo "$ours" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["window"])')
peer=$(/usr/bin/python3 "$root/tools/bench_model_torchvision.py" --img-size "$img" --window "$win" \
  --batch "$batch" --steps "$steps" --threads "$threads")
echo "$ours"
echo "$peer"
/usr/bin/python3 - "$ours" "$peer" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"swinpp {a['images_per_s']:.3f} img/s, torchvision {b['images_per_s']:.3f} img/s, "
      f"ratio {a['images_per_s'] / b['images_per_s']:.2f}x "
      f"(train step, batch {a['batch']}, {a['img_size']}px, window {a['window']}, {a['threads']} threads)")
PY

#!/usr/bin/env bash
# Training-pipeline throughput (decode + RandomResizedCrop + flip + normalise) of
# swinpp against torchvision's ImageFolder + DataLoader on the same folder, in the
# same run, for each worker count; prints both and the ratio per worker count.
# With --shards SHARDS (the same images as tar shards, from swinpp make-shards),
# swinpp also reads those in the same run and prints shards against the folder.
# Usage: tools/bench_data.sh DIR [--workers "1 2"] [--img-size 256] [--seconds 10] [--shards SHARDS]
# Without DIR's images, make some: build/swinpp make-dataset --out DIR --size 500 --height 375
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=${PYTHON:-$root/.venv/bin/python}
dir=${1:?usage: tools/bench_data.sh DIR [--workers "1 2"] [--img-size S] [--seconds T]}
shift
workers="1 2" img=256 seconds=10 batch=32 shards=""
while (($#)); do
  case $1 in
    --workers) workers=$2; shift 2 ;;
    --img-size) img=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --shards) shards=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
for w in $workers; do
  ours=$("$root/build/swinpp" bench data --data "$dir" --workers "$w" --img-size "$img" \
    --batch "$batch" --seconds "$seconds")
  peer=$("$python" "$root/tools/bench_data_torchvision.py" "$dir" --workers "$w" \
    --img-size "$img" --batch "$batch" --seconds "$seconds")
  echo "$ours"
  echo "$peer"
  "$python" - "$ours" "$peer" "$w" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
ka = "images_per_second" if "images_per_second" in a else "images_per_s"
kb = "images_per_second" if "images_per_second" in b else "images_per_s"
print(f"workers {sys.argv[3]}: swinpp {a[ka]:.1f} img/s, torchvision {b[kb]:.1f} img/s, "
      f"ratio {a[ka] / b[kb]:.2f}x")
PY
  if [ -n "$shards" ]; then
    from_shards=$("$root/build/swinpp" bench data --data "$shards" --workers "$w" \
      --img-size "$img" --batch "$batch" --seconds "$seconds")
    echo "$from_shards"
    "$python" - "$from_shards" "$ours" "$w" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"workers {sys.argv[3]}: swinpp on tar shards {a['images_per_second']:.1f} img/s, "
      f"on the folder {b['images_per_second']:.1f} img/s, ratio {a['images_per_second'] / b['images_per_second']:.2f}x")
PY
  fi
done

"""Reads tar shards with the webdataset package and compares them with the image folder they were made from.

Every sample must have a key, one image member and a .cls member; the
multiset of (image bytes, class index) pairs must equal the folder's, whose
classes are its sub-folders in name order (torchvision's ImageFolder).

Usage: check_webdataset.py SHARD_DIR IMAGE_FOLDER
"""
import collections
import glob
import hashlib
import os
import sys

import webdataset as wds


def main():
    shard_dir, folder = sys.argv[1], sys.argv[2]
    shards = sorted(glob.glob(os.path.join(shard_dir, "*.tar")))
    assert shards, f"no shards in {shard_dir}"
    ours = collections.Counter()
    keys = set()
    for sample in wds.WebDataset(shards, shardshuffle=False):
        key = sample["__key__"]
        assert key not in keys, f"key {key} twice"
        keys.add(key)
        images = [k for k in ("jpg", "jpeg", "png") if k in sample]
        assert len(images) == 1, f"{key}: image members {images}"
        label = int(sample["cls"])
        ours[(hashlib.sha256(sample[images[0]]).hexdigest(), label)] += 1

    classes = sorted(d for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d)))
    expected = collections.Counter()
    for label, name in enumerate(classes):
        for root, _, files in os.walk(os.path.join(folder, name)):
            for f in files:
                if f.lower().endswith((".jpg", ".jpeg", ".png")):
                    with open(os.path.join(root, f), "rb") as image:
                        expected[(hashlib.sha256(image.read()).hexdigest(), label)] += 1
    assert ours == expected, f"{sum(ours.values())} samples read, {sum(expected.values())} expected"
    print(f"webdataset read {len(keys)} samples from {len(shards)} shards: same images and labels")


if __name__ == "__main__":
    main()

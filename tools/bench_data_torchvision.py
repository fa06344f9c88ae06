#!/usr/bin/env python3
"""Training-pipeline throughput of torchvision, the reference for swinpp's data loader.

Reads an ImageFolder with torchvision's ImageFolder + DataLoader and the training
transforms RandomResizedCrop(S) + RandomHorizontalFlip + ToTensor + Normalize, and
prints one JSON line: {"images_per_second": ..., "images": ..., "seconds": ..., ...}.

The clock starts once the first batch has arrived (worker start-up excluded) and
stops after --seconds or --batches, whichever comes first; the loader cycles over
the folder as many epochs as needed.

Example:
    /usr/bin/python3 tools/bench_data_torchvision.py /data/imgs --workers 2 --img-size 224
"""
import argparse
import json
import time

import torch
from torchvision import datasets, transforms

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
INTERPOLATIONS = {
    "bilinear": transforms.InterpolationMode.BILINEAR,
    "bicubic": transforms.InterpolationMode.BICUBIC,
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", help="ImageFolder root (class sub-folders)")
    parser.add_argument("--workers", type=int, default=1, help="DataLoader worker processes")
    parser.add_argument("--img-size", type=int, default=224, help="output side S")
    parser.add_argument("--batch", type=int, default=64, help="batch size")
    parser.add_argument("--seconds", type=float, default=10.0, help="measurement time")
    parser.add_argument("--batches", type=int, default=0, help="stop after this many batches (0: no limit)")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads of the main process")
    parser.add_argument("--interpolation", choices=["bilinear", "bicubic"], default="bilinear",
                        help="RandomResizedCrop resampling (torchvision's default: bilinear)")
    return parser.parse_args()


def batches_forever(loader):
    while True:
        for batch in loader:
            yield batch


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    transform = transforms.Compose([
        transforms.RandomResizedCrop(args.img_size, interpolation=INTERPOLATIONS[args.interpolation]),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD),
    ])
    dataset = datasets.ImageFolder(args.dir, transform=transform)
    loader = torch.utils.data.DataLoader(
        dataset,
        batch_size=args.batch,
        shuffle=True,
        num_workers=args.workers,
        drop_last=False,
        persistent_workers=args.workers > 0,
    )
    stream = batches_forever(loader)
    next(stream)  # warm-up: worker start-up and the first batch are not timed
    images = 0
    batches = 0
    start = time.perf_counter()
    while True:
        images_batch, _ = next(stream)
        images += images_batch.shape[0]
        batches += 1
        elapsed = time.perf_counter() - start
        if elapsed >= args.seconds or (args.batches and batches >= args.batches):
            break
    print(json.dumps({
        "pipeline": "torchvision",
        "workers": args.workers,
        "img_size": args.img_size,
        "batch": args.batch,
        "interpolation": args.interpolation,
        "images": images,
        "seconds": round(elapsed, 3),
        "images_per_second": round(images / elapsed, 1),
    }))


if __name__ == "__main__":
    main()

"""Photo-like test images and torchvision's evaluation transform of them.

Writes JPEGs (and one PNG) of assorted sizes and aspect ratios into OUT_DIR,
and OUT_DIR/reference.safetensors with, for each SIZE:CROP setting and each
image i in the order of OUT_DIR/images.txt, `SIZE.CROP.i`: the tensor
[3, SIZE, SIZE] in [0, 1] that Swin's evaluation transform gives before
normalisation: PIL decode, convert("RGB"), Resize(int(256 / 224 * SIZE),
bicubic) + CenterCrop(SIZE) when CROP is 1, Resize((SIZE, SIZE)) when it is 0,
then ToTensor.

Usage: torchvision_eval_reference.py OUT_DIR SIZE:CROP...
"""
import os
import sys

import numpy as np
import torch
from PIL import Image
from safetensors.torch import save_file
from torchvision import transforms
from torchvision.transforms import InterpolationMode


def photo_like(width, height, rng):
    """Smooth illumination, blurred blobs of colour, hard edges and sensor noise."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    x /= max(width - 1, 1)
    y /= max(height - 1, 1)
    img = np.zeros((height, width, 3), np.float32)
    for c in range(3):  # illumination gradient
        img[..., c] = 0.25 + 0.5 * (rng.uniform() * x + rng.uniform() * y) / 2
    for _ in range(12):  # soft blobs
        cx, cy, r = rng.uniform(), rng.uniform(), rng.uniform(0.03, 0.3)
        w = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * r * r))[..., None]
        img = img * (1 - 0.8 * w) + 0.8 * w * rng.uniform(0, 1, 3)
    for _ in range(4):  # objects with sharp edges
        x0, y0 = rng.uniform(0, 0.8, 2)
        x1, y1 = x0 + rng.uniform(0.05, 0.3), y0 + rng.uniform(0.05, 0.3)
        inside = ((x > x0) & (x < x1) & (y > y0) & (y < y1))[..., None]
        img = np.where(inside, rng.uniform(0, 1, 3) * (0.7 + 0.3 * x[..., None]), img)
    img += rng.normal(0, 0.03, img.shape)  # noise and fine texture
    img += 0.05 * np.sin(40 * x + 25 * y)[..., None]
    return Image.fromarray((np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8))


def main():
    out_dir = sys.argv[1]
    settings = [(int(a), b == "1") for a, b in (arg.split(":") for arg in sys.argv[2:])]
    rng = np.random.default_rng(20261130)
    # (width, height, how it is stored)
    cases = [
        (500, 375, "jpeg"), (375, 500, "jpeg"), (640, 427, "jpeg444"), (333, 333, "jpeg"),
        (1024, 768, "jpeg"), (2048, 1365, "jpeg"), (300, 1000, "jpeg"), (1000, 240, "jpeg"),
        (150, 97, "jpeg"), (257, 256, "gray"), (800, 600, "png"), (4000, 3000, "jpeg"),
        (240, 300, "jpeg"), (420, 400, "jpeg444"), (350, 260, "png_alpha"),
    ]
    transforms_by_key = {}
    for size, crop in settings:
        if crop:
            resize = transforms.Resize(int(256 / 224 * size), interpolation=InterpolationMode.BICUBIC)
            ops = [resize, transforms.CenterCrop(size)]
        else:
            ops = [transforms.Resize((size, size), interpolation=InterpolationMode.BICUBIC)]
        transforms_by_key[f"{size}.{int(crop)}"] = transforms.Compose(ops + [transforms.ToTensor()])
    names, tensors = [], {}
    for i, (w, h, kind) in enumerate(cases):
        img = photo_like(w, h, rng)
        if kind == "png":
            name = f"{i:02d}_{w}x{h}.png"
            img.save(os.path.join(out_dir, name))
        elif kind == "png_alpha":
            name = f"{i:02d}_{w}x{h}_alpha.png"
            alpha = Image.fromarray(rng.integers(0, 256, (h, w), dtype=np.uint8))
            img.putalpha(alpha)
            img.save(os.path.join(out_dir, name))
        elif kind == "gray":
            name = f"{i:02d}_{w}x{h}_gray.jpg"
            img.convert("L").save(os.path.join(out_dir, name), quality=90)
        else:
            name = f"{i:02d}_{w}x{h}.jpg"
            img.save(os.path.join(out_dir, name), quality=90,
                     subsampling=0 if kind == "jpeg444" else 2)
        with Image.open(os.path.join(out_dir, name)) as stored:
            rgb = stored.convert("RGB")
            for key, transform in transforms_by_key.items():
                tensors[f"{key}.{i}"] = transform(rgb).contiguous()
        names.append(name)
    save_file(tensors, os.path.join(out_dir, "reference.safetensors"))
    with open(os.path.join(out_dir, "images.txt"), "w") as f:
        f.write("\n".join(names) + "\n")


if __name__ == "__main__":
    main()

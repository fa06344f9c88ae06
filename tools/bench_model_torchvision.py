#!/usr/bin/python3
"""Training-step throughput of torchvision's swin_v2_t (the peer of `swinpp bench model`).

Prints one JSON line. Run with Debian's python3 (python3-torch, python3-torchvision).
"""
import argparse
import json
import time

import torch
import torchvision


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--img-size", type=int, default=256)
    p.add_argument("--window", type=int, default=8)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--classes", type=int, default=1000)
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    if a.window != 8:
        raise SystemExit("torchvision's swin_v2_t is built with window 8 only")
    model = torchvision.models.swin_v2_t(num_classes=a.classes)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    x = torch.randn(a.batch, 3, a.img_size, a.img_size)
    y = torch.randint(a.classes, (a.batch,))

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    for _ in range(a.warmup):
        step()
    start = time.perf_counter()
    for _ in range(a.steps):
        step()
    seconds = time.perf_counter() - start
    print(json.dumps({"impl": "torchvision", "what": "train_step", "img_size": a.img_size,
                      "window": a.window, "batch": a.batch, "steps": a.steps,
                      "threads": torch.get_num_threads(), "seconds": seconds,
                      "images_per_s": a.batch * a.steps / seconds}))


if __name__ == "__main__":
    main()

"""PyTorch DDP (Gloo, 127.0.0.1) training-step time of torchvision's swin_v2_t
at 256x256 / window 8, the peer of `swinpp bench model` under `swinpp launch`.
Prints one JSON line (rank 0)."""
import argparse
import json
import os
import socket
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel
from torchvision.models import swin_v2_t


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rank_main(rank, args, port):
    torch.set_num_threads(args.threads)
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=args.nproc)
    torch.manual_seed(0)
    model = swin_v2_t()  # window 8
    model.train()
    ddp = DistributedDataParallel(model) if args.nproc > 1 else model
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    x = torch.randn(args.batch, 3, 256, 256)
    y = torch.randint(1000, (args.batch,))

    def step():
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(ddp(x), y).backward()
        optimizer.step()

    for _ in range(args.warmup):
        step()
    dist.barrier()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    dist.barrier()
    seconds = time.perf_counter() - start
    if rank == 0:
        print(json.dumps({"impl": "torch_ddp_torchvision", "what": "train_step", "img_size": 256,
                          "window": 8, "batch": args.batch, "world_size": args.nproc,
                          "backend": "gloo", "steps": args.steps, "threads": args.threads,
                          "seconds": seconds, "step_seconds": seconds / args.steps,
                          "images_per_s": args.batch * args.nproc * args.steps / seconds}),
              flush=True)
    dist.destroy_process_group()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nproc", type=int, default=2)
    parser.add_argument("--batch", type=int, default=2, help="images per step and rank")
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads per rank")
    args = parser.parse_args()
    mp.spawn(rank_main, args=(args, free_port()), nprocs=args.nproc)


if __name__ == "__main__":
    main()

"""Training-step and inference throughput of swinpp's Python peers on the same torch.

One JSON line per measurement, with the fields of `swinpp bench model`:
  timm          timm's SwinV2 (eager)
  timm_compile  the same model under torch.compile (inductor)
  torchvision   torchvision's swin_v2_t / swin_v2_b (window 8 only)
A training step is forward, cross-entropy, backward and AdamW on random data,
as `swinpp bench model` does; --amp bf16 runs forward and loss under autocast.
--count-ops adds the ATen operators of one more step as torch's profiler
records them: every aten:: call, and the top-level ones (no aten:: caller).
Run with the project's .venv/bin/python.
"""
import argparse
import json
import resource
import time
import traceback

import torch

TIMM_NAMES = {("tiny", 8, 256): "swinv2_tiny_window8_256", ("small", 8, 256): "swinv2_small_window8_256",
              ("base", 8, 256): "swinv2_base_window8_256", ("tiny", 16, 256): "swinv2_tiny_window16_256",
              ("small", 16, 256): "swinv2_small_window16_256", ("base", 16, 256): "swinv2_base_window16_256",
              ("base", 24, 384): "swinv2_base_window12to24_192to384"}
VISION_NAMES = {"tiny": "swin_v2_t", "small": "swin_v2_s", "base": "swin_v2_b"}


def build(impl, variant, window, img_size, classes):
    if impl in ("timm", "timm_compile"):
        import timm
        name = TIMM_NAMES.get((variant, window, img_size))
        if name is None:
            raise SystemExit(f"no timm SwinV2 for {variant} window {window} at {img_size}px")
        model = timm.create_model(name, pretrained=False, num_classes=classes)
    else:
        import torchvision
        if window != 8:
            raise SystemExit("torchvision's SwinV2 models are built with window 8 only")
        model = getattr(torchvision.models, VISION_NAMES[variant])(num_classes=classes)
    return model


def count_aten_ops(step):
    """(all aten:: calls, top-level aten:: calls) of one step, backward included."""
    with torch.autograd.profiler.profile() as prof:
        step()
    events = [e for e in prof.function_events if e.name.startswith("aten::")]

    def inside_aten(e):
        parent = e.cpu_parent
        while parent is not None:
            if parent.name.startswith("aten::"):
                return True
            parent = parent.cpu_parent
        return False

    return len(events), sum(1 for e in events if not inside_aten(e))


def profile_step(step, sync, device, top=30):
    """Where one step spends its time, as swinpp's --profile counts it: on CUDA the
    kernels, copies and memsets by name (device time); on the CPU the aten::
    operators by name (inclusive time)."""
    from torch.autograd import DeviceType
    from torch.profiler import ProfilerActivity, profile

    cuda = device.type == "cuda"
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    with profile(activities=activities) as prof:
        step()
        sync()
    totals = {}
    for e in prof.profiler.kineto_results.events():
        if cuda and e.device_type() != DeviceType.CUDA:
            continue
        if not cuda and (e.device_type() != DeviceType.CPU or not e.name().startswith("aten::")):
            continue
        total = totals.setdefault(e.name()[:160], [0.0, 0])
        total[0] += e.duration_ns()
        total[1] += 1
    rows = sorted(totals.items(), key=lambda item: -item[1][0])[:top]
    return {"profiled": "cuda_kernels" if cuda else "cpu_ops_inclusive",
            "total_ms": sum(t[0] for t in totals.values()) / 1e6,
            "top": [[name, ns / 1e6, calls] for name, (ns, calls) in rows]}


def measure(a, impl):
    device = torch.device(a.device)
    torch.manual_seed(0)
    model = build(impl, a.variant, a.window, a.img_size, a.classes).to(device)
    forward = torch.compile(model) if impl == "timm_compile" else model
    train = a.what == "train"
    model.train(train)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=True) if train else None
    x = torch.randn(a.batch, 3, a.img_size, a.img_size, device=device)
    y = torch.randint(a.classes, (a.batch,), device=device)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=a.amp == "bf16")

    def step():
        if train:
            opt.zero_grad(set_to_none=True)
            with autocast:
                loss = torch.nn.functional.cross_entropy(forward(x), y)
            loss.backward()
            opt.step()
        else:
            with torch.inference_mode(), autocast:
                forward(x)

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    for _ in range(a.warmup):
        step()
    sync()
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    start = time.perf_counter()
    for _ in range(a.steps):
        step()
    sync()
    seconds = time.perf_counter() - start
    ops = count_aten_ops(step) if a.count_ops else None
    profiled = profile_step(step, sync, device) if a.profile else None
    peak = (torch.cuda.max_memory_allocated(device) if device.type == "cuda"
            else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    result = {"impl": impl, "what": "train_step" if train else "inference", "variant": a.variant,
            "img_size": a.img_size, "window": a.window, "batch": a.batch, "device": str(device),
            "amp": a.amp, "steps": a.steps, "threads": torch.get_num_threads(), "seconds": seconds,
            "step_seconds": seconds / a.steps, "images_per_s": a.batch * a.steps / seconds,
            "peak_memory_bytes": peak, "peak_memory_kind": "cuda_allocated" if device.type == "cuda"
            else "process_max_rss", "torch": torch.__version__}
    if ops:
        result["aten_ops"], result["top_level_aten_ops"] = ops
    if profiled:
        result["profile"] = profiled
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--impl", action="append", choices=["timm", "timm_compile", "torchvision"],
                   help="peer to measure (repeatable; default: all three)")
    p.add_argument("--variant", default="tiny", choices=["tiny", "small", "base"])
    p.add_argument("--img-size", type=int, default=256)
    p.add_argument("--window", type=int, default=8)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2, help="untimed steps first (compilation happens here)")
    p.add_argument("--threads", type=int, default=0, help="intra-op CPU threads (0: torch's default)")
    p.add_argument("--classes", type=int, default=1000)
    p.add_argument("--device", default="cpu")
    p.add_argument("--amp", default="off", choices=["off", "bf16"])
    p.add_argument("--what", default="train", choices=["train", "inference"])
    p.add_argument("--count-ops", action="store_true", help="count the ATen operators of one step")
    p.add_argument("--profile", action="store_true",
                   help="profile one more step: its 30 longest CUDA kernels (CPU: aten:: operators)")
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    for impl in a.impl or ["timm", "timm_compile", "torchvision"]:
        try:
            result = measure(a, impl)
        except Exception as e:  # a peer that cannot run here is reported, not fatal
            result = {"impl": impl, "error": f"{type(e).__name__}: {e}".splitlines()[0][:300]}
            traceback.print_exc()
        print(json.dumps(result), flush=True)
        if a.device.startswith("cuda"):
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()

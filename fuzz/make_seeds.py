"""Writes the seed corpora of the fuzz targets into OUT/<harness>/.

Usage: python make_seeds.py OUT   (with the project's .venv: torch and Pillow)

Seeds come from the repository's test data and configs plus small files made here:
torch.save archives of state dicts (and their data.pkl records), safetensors files
of every dtype, JPEG and PNG images of every colour type the decoders handle, a
checkpoint's state.json and a run's metrics.jsonl.
"""
import collections
import io
import json
import pathlib
import shutil
import struct
import sys
import zipfile

import torch
from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parent.parent
DTYPES = {
    torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
    torch.uint8: "U8", torch.bool: "BOOL",
}


def safetensors_bytes(tensors, metadata=None):
    header, chunks, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, tensor in tensors.items():
        data = tensor.reshape(-1).contiguous().view(torch.uint8).numpy().tobytes() \
            if tensor.numel() else b""
        header[name] = {"dtype": DTYPES[tensor.dtype], "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-(8 + len(text)) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def small_state_dict():
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    sd = collections.OrderedDict()
    sd["w"] = base
    sd["w_t"] = base.t()
    sd["b"] = torch.ones(2, dtype=torch.float16)
    sd["i"] = torch.arange(3)
    sd["scalar"] = torch.tensor(1.5)
    return sd


def write(folder, name, data):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def safetensors_seeds(out):
    write(out, "expected.safetensors",
          (ROOT / "tests/io/data/torch_save_expected.safetensors").read_bytes())
    write(out, "empty.safetensors", safetensors_bytes({}))
    write(out, "metadata.safetensors",
          safetensors_bytes(small_state_dict(), {"format": "pt", "step": "3"}))
    for dtype, name in DTYPES.items():
        tensor = torch.arange(3).to(dtype)
        write(out, f"{name}.safetensors", safetensors_bytes({"t": tensor, "e": tensor[:0]}))


def pth_seeds(out_pth, out_pkl):
    archives = {
        "mixed.pth": (ROOT / "tests/io/data/torch_save_mixed.pth").read_bytes(),
        "protocol4.pth": (ROOT / "tests/io/data/torch_save_protocol4.pth").read_bytes(),
    }
    for protocol in (2, 4):
        for name, obj in {"bare": small_state_dict(),
                          "model": {"model": small_state_dict(), "epoch": 3, "lr": 0.5,
                                    "names": ["a", "b"], "flag": None}}.items():
            buffer = io.BytesIO()
            torch.save(obj, buffer, pickle_protocol=protocol)
            archives[f"{name}_p{protocol}.pth"] = buffer.getvalue()
    for name, data in archives.items():
        write(out_pth, name, data)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            pickle = next(n for n in archive.namelist() if n.endswith("/data.pkl"))
            write(out_pkl, name.replace(".pth", ".pkl"), archive.read(pickle))


def config_seeds(out):
    for path in sorted((ROOT / "configs").rglob("*.yaml")):
        write(out, "_".join(path.relative_to(ROOT / "configs").parts), path.read_bytes())
    write(out, "opts.yaml",
          b"MODEL:\n  TYPE: swinv2\n  SWINV2:\n    EMBED_DIM: 48\n"
          b"\n#opts\nTRAIN.BASE_LR\n1e-3\nMODEL.SWINV2.DEPTHS\n[2, 2, 2, 2]\n"
          b"DATA.IMG_SIZE\n128\nAUG.MIXUP\n0.0\n")


def image_seeds(out):
    gradient = Image.new("RGB", (37, 23))
    gradient.putdata([(x * 7 % 256, y * 11 % 256, (x + y) * 5 % 256)
                      for y in range(23) for x in range(37)])
    variants = {
        "rgb444.jpg": (gradient, "JPEG", {"subsampling": 0, "quality": 90}),
        "rgb420.jpg": (gradient, "JPEG", {"subsampling": 2, "quality": 75}),
        "progressive.jpg": (gradient, "JPEG", {"progressive": True}),
        "gray.jpg": (gradient.convert("L"), "JPEG", {}),
        "cmyk.jpg": (gradient.convert("CMYK"), "JPEG", {}),
        "rgb.png": (gradient, "PNG", {}),
        "rgba.png": (gradient.convert("RGBA"), "PNG", {}),
        "gray.png": (gradient.convert("L"), "PNG", {}),
        "gray_alpha.png": (gradient.convert("LA"), "PNG", {}),
        "palette.png": (gradient.convert("P"), "PNG", {}),
        "gray16.png": (gradient.convert("I;16"), "PNG", {}),
        "interlaced.png": (gradient, "PNG", {"interlace": 1}),
        "one_pixel.png": (Image.new("RGB", (1, 1), (9, 8, 7)), "PNG", {}),
        "one_pixel.jpg": (Image.new("RGB", (1, 1), (9, 8, 7)), "JPEG", {}),
    }
    for name, (image, fmt, options) in variants.items():
        buffer = io.BytesIO()
        image.save(buffer, fmt, **options)
        write(out, name, buffer.getvalue())


def checkpoint_state_seeds(out):
    state = {"epoch": 1, "next_batch": 4, "step": 12, "epoch_end": False, "task": "finetune",
             "config": "MODEL:\n  NAME: tiny\n",
             "files": {"model.safetensors": {"bytes": 16, "crc32": "0123abcd"}}}
    write(out, "state.json", json.dumps(state, indent=2).encode())
    write(out, "epoch_end.json", json.dumps({**state, "epoch_end": True, "files": {}}).encode())
    write(out, "pretrain.json", json.dumps({"task": "pretrain", "step": 3}).encode())
    write(out, "no_files.json", json.dumps({"epoch": 0, "step": 0, "task": "finetune"}).encode())


def metrics_log_seeds(out):
    lines = [{"event": "train", "step": s, "epoch": 0, "loss": 2.0 / s, "lr": 1e-3 * s,
              "grad_norm": 1.0, "images_per_s": 100.0} for s in range(1, 6)]
    lines.append({"event": "eval", "step": 5, "epoch": 0, "val_top1": 0.5, "val_loss": 1.2,
                  "ema_val_top1": 0.4, "ema_val_loss": 1.3})
    text = "".join(json.dumps(line) + "\n" for line in lines)
    write(out, "metrics.jsonl", text.encode())
    write(out, "cut_short.jsonl", (text + '{"event": "train", "st').encode())
    write(out, "null_loss.jsonl", b'{"event": "train", "step": 1, "loss": null, "lr": 0.1}\n')


def main():
    out = pathlib.Path(sys.argv[1])
    shutil.rmtree(out, ignore_errors=True)
    safetensors_seeds(out / "safetensors")
    pth_seeds(out / "pth_archive", out / "unpickler")
    config_seeds(out / "config")
    image_seeds(out / "image")
    checkpoint_state_seeds(out / "checkpoint_state")
    metrics_log_seeds(out / "metrics_log")


if __name__ == "__main__":
    main()

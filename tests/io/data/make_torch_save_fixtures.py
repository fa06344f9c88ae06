"""Writes the torch.save fixtures of the io tests (run with torch 1.13, from this folder).

- torch_save_mixed.pth: {'model': state dict, plus non-tensor entries}, pickle protocol 2.
- torch_save_protocol4.pth: the same state dict saved bare, pickle protocol 4.
- torch_save_expected.safetensors: the state dict's values, written by the minimal
  safetensors writer below (independent of swinpp), each tensor contiguous.

The state dict covers every dtype the reader supports, views sharing one storage
(transposed, sliced with an offset), a scalar, an empty tensor and a Parameter.
"""
import collections
import json
import struct

import torch

DTYPES = {
    torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
    torch.uint8: "U8", torch.bool: "BOOL",
}


def state_dict():
    torch.manual_seed(0)
    base = torch.randn(4, 6)
    sd = collections.OrderedDict()
    sd["f32"] = base
    sd["view_t"] = base.t()
    sd["slice"] = base[1:, 2:5]
    sd["f16"] = torch.randn(3).half()
    sd["bf16"] = torch.randn(2, 2).bfloat16()
    sd["f64"] = torch.randn(2).double()
    sd["i64"] = torch.arange(-2, 3)
    sd["i32"] = torch.arange(5, dtype=torch.int32)
    sd["i16"] = torch.arange(3, dtype=torch.int16)
    sd["i8"] = torch.arange(-3, 3, dtype=torch.int8)
    sd["u8"] = torch.arange(250, 254, dtype=torch.uint8)
    sd["bool"] = torch.tensor([True, False, True])
    sd["scalar"] = torch.tensor(3.5)
    sd["empty"] = torch.zeros(0, 3)
    sd["param"] = torch.nn.Parameter(torch.full((2,), 0.25))
    return sd


def write_safetensors(path, tensors):
    header, chunks, offset = {}, [], 0
    for name, tensor in tensors.items():
        data = tensor.detach().reshape(-1).contiguous().view(torch.uint8).numpy().tobytes() \
            if tensor.numel() else b""
        header[name] = {"dtype": DTYPES[tensor.dtype], "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-(8 + len(text)) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


if __name__ == "__main__":
    sd = state_dict()
    torch.save({"model": sd, "epoch": 5, "lr": 0.1, "names": ["a", "b"], "big": 2**40, "neg": -7,
                "flag": True, "none": None}, "torch_save_mixed.pth")
    torch.save(sd, "torch_save_protocol4.pth", pickle_protocol=4)
    write_safetensors("torch_save_expected.safetensors", sd)

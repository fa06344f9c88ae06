"""Checks a swinpp run folder's TensorBoard events against its metrics.jsonl.

Reads the events with TensorBoard's own EventAccumulator (which applies the
SessionLog START purge a resumed run relies on) and fails unless every value of
metrics.jsonl is a scalar "EVENT/KEY" at its step, equal in float32, and
nothing else is; the configuration is there as text; with --images, the
reconstruction pictures decode to their stated size. Every record's two
masked CRC-32C checksums are verified first, byte by byte.

Usage: check_tensorboard.py RUN_DIR [--images]
"""
import glob
import io
import json
import math
import os
import struct
import sys

from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c


def check_records(path):
    """Every record's framing and checksums; returns the number of records."""
    count = 0
    with open(path, "rb") as f:
        data = f.read()
    offset = 0
    while offset < len(data):
        header = data[offset:offset + 8]
        (length,) = struct.unpack("<Q", header)
        (header_crc,) = struct.unpack("<I", data[offset + 8:offset + 12])
        assert header_crc == masked_crc32c(header), f"{path}: bad length checksum at {offset}"
        payload = data[offset + 12:offset + 12 + length]
        (payload_crc,) = struct.unpack("<I", data[offset + 12 + length:offset + 16 + length])
        assert payload_crc == masked_crc32c(payload), f"{path}: bad data checksum at {offset}"
        offset += 16 + length
        count += 1
    return count


def main():
    run_dir = sys.argv[1]
    want_images = "--images" in sys.argv[2:]
    files = sorted(glob.glob(os.path.join(run_dir, "events.out.tfevents.*")))
    assert files, f"no event file in {run_dir}"
    records = sum(check_records(f) for f in files)

    expected = {}  # tag -> {step: value}
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        for line in f:
            record = json.loads(line)
            step = int(record["step"])
            for key, value in record.items():
                if key in ("event", "step") or value is None:
                    continue
                tag = f"{record['event']}/{key}"
                assert step not in expected.setdefault(tag, {}), f"{tag} twice at step {step}"
                expected[tag][step] = value

    acc = EventAccumulator(run_dir, size_guidance={"scalars": 0, "images": 0, "tensors": 0})
    acc.Reload()
    tags = acc.Tags()
    assert sorted(tags["scalars"]) == sorted(expected), (sorted(tags["scalars"]), sorted(expected))
    scalars = 0
    for tag, by_step in expected.items():
        events = acc.Scalars(tag)
        steps = [e.step for e in events]
        assert sorted(steps) == sorted(by_step), f"{tag}: steps {steps} != {sorted(by_step)}"
        for e in events:
            want = by_step[e.step]
            assert math.isclose(e.value, want, rel_tol=1e-6, abs_tol=1e-30) or (
                struct.unpack("<f", struct.pack("<f", want))[0] == e.value
            ), f"{tag} at step {e.step}: {e.value} != {want}"
            scalars += 1

    assert "config" in tags["tensors"], tags["tensors"]
    text = acc.Tensors("config")[-1].tensor_proto.string_val[0].decode()
    assert "MODEL:" in text and "DATA:" in text, text[:200]

    images = 0
    if want_images:
        assert "reconstructions" in tags["images"], tags["images"]
        for e in acc.Images("reconstructions"):
            picture = Image.open(io.BytesIO(e.encoded_image_string))
            picture.load()
            assert picture.size == (e.width, e.height), (picture.size, e.width, e.height)
            images += 1
        assert images > 0
    print(f"{len(files)} event files, {records} records: {scalars} scalars in "
          f"{len(expected)} tags equal metrics.jsonl, {images} pictures decode, config text")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Builds the sample's datasets from Debian's dataset-fashion-mnist (Fashion-MNIST, MIT licence).

training: 6000 rows of the Fashion-MNIST training set; golden: 1000 other rows (verified clean,
16.7 % of training); train-labels-poisoned: the training labels with 10 % of rows flipped to
another class at random (seed 2026), like a label-flipping poisoning attack. Only the standard
library is used, and gzip headers carry no timestamp, so the files (and their pinned sha256) are
reproducible.

    apt-get install dataset-fashion-mnist && python3 make-datasets.py
"""
import gzip
import random
import struct
from pathlib import Path

SOURCE = Path("/usr/share/datasets/fashion-mnist")
HERE = Path(__file__).resolve().parent
TRAINING, GOLDEN, FLIP_FRACTION, SEED = 6000, 1000, 0.10, 2026


def read_idx(path):
    data = gzip.open(path, "rb").read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return shape, data[4 + 4 * dims:]


def write_idx(path, rows, row_bytes, is_labels):
    header = struct.pack(">I", 0x801 if is_labels else 0x803) + struct.pack(">I", len(rows))
    if not is_labels:
        header += struct.pack(">II", 28, 28)
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as out:
        out.write(header + b"".join(rows))
    assert len(rows[0]) == row_bytes


def main():
    (count, _, _), images = read_idx(SOURCE / "train-images-idx3-ubyte.gz")
    _, labels = read_idx(SOURCE / "train-labels-idx1-ubyte.gz")
    rng = random.Random(SEED)
    chosen = rng.sample(range(count), TRAINING + GOLDEN)
    training, golden = chosen[:TRAINING], chosen[TRAINING:]
    image = lambda i: images[i * 784:(i + 1) * 784]
    label = lambda i: labels[i:i + 1]

    write_idx(HERE / "train-images-idx3-ubyte.gz", [image(i) for i in training], 784, False)
    write_idx(HERE / "train-labels-idx1-ubyte.gz", [label(i) for i in training], 1, True)
    write_idx(HERE / "golden-images-idx3-ubyte.gz", [image(i) for i in golden], 784, False)
    write_idx(HERE / "golden-labels-idx1-ubyte.gz", [label(i) for i in golden], 1, True)

    poisoned = [labels[i] for i in training]
    for row in rng.sample(range(TRAINING), int(FLIP_FRACTION * TRAINING)):
        poisoned[row] = rng.choice([c for c in range(10) if c != poisoned[row]])
    write_idx(HERE / "train-labels-poisoned-idx1-ubyte.gz", [bytes([p]) for p in poisoned], 1, True)


if __name__ == "__main__":
    main()

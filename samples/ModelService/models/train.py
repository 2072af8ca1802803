#!/usr/bin/env python3
"""Trains the sample's Fashion-MNIST classifiers and exports them to ONNX (and TorchScript).

classifier-undefended: plain training. classifier-pgd: PGD adversarial training (Madry et al.;
the SecMLOps framework's adversarial-training algorithm): every batch is replaced by PGD-7
adversarial examples within eps = 0.06 (L-inf, inputs in [0, 1]) before the step. Both train on
the sample's 6000 training rows (../data) for a fixed number of epochs with fixed seeds, and
write evaluation.idx files: 500 rows of the Fashion-MNIST test set the gate evaluates on.
classifier-poisoned-labels (ONNX only): plain training on the same rows with the poisoned labels
(10 % flipped), the candidate a poisoning attack would produce; the poisoning gate's tests use it
to measure what a model's own view of its training data is worth to the label check.

    apt-get install python3-torch dataset-fashion-mnist && /usr/bin/python3 train.py [NAME ...]
"""
import gzip
import random
import struct
import sys
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "data"
TEST = Path("/usr/share/datasets/fashion-mnist")
EPOCHS, BATCH, EPS, STEPS = 8, 64, 0.06, 7


def read_idx(path):
    data = gzip.open(path, "rb").read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return shape, data[4 + 4 * dims:]


def load(images, labels):
    (count, rows, cols), pixels = read_idx(images)
    _, classes = read_idx(labels)
    x = torch.tensor(list(pixels), dtype=torch.float32).reshape(count, 1, rows, cols) / 255
    return x, torch.tensor(list(classes), dtype=torch.long)


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 5, padding=2)
        self.conv2 = nn.Conv2d(16, 32, 5, padding=2)
        self.fc1 = nn.Linear(32 * 7 * 7, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))


def pgd(model, x, y, eps, steps):
    adversarial = (x + torch.empty_like(x).uniform_(-eps, eps)).clamp(0, 1)
    for _ in range(steps):
        adversarial.requires_grad_(True)
        loss = F.cross_entropy(model(adversarial), y)
        gradient, = torch.autograd.grad(loss, adversarial)
        adversarial = adversarial.detach() + eps / 4 * gradient.sign()
        adversarial = torch.min(torch.max(adversarial, x - eps), x + eps).clamp(0, 1)
    return adversarial.detach()


def train(x, y, adversarial):
    torch.manual_seed(2026)
    model = Classifier()
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(EPOCHS):
        order = torch.randperm(len(x))
        for start in range(0, len(x), BATCH):
            batch = order[start:start + BATCH]
            inputs, targets = x[batch], y[batch]
            if adversarial:
                model.eval()
                inputs = pgd(model, inputs, targets, EPS, STEPS)
            model.train()
            optimiser.zero_grad()
            F.cross_entropy(model(inputs), targets).backward()
            optimiser.step()
    return model.eval()


def write_idx(path, payload, count, is_labels):
    header = struct.pack(">II", 0x801 if is_labels else 0x803, count) + (b"" if is_labels else struct.pack(">II", 28, 28))
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as out:
        out.write(header + payload)


# name: (training labels, adversarial training, TorchScript too)
MODELS = {
    "classifier-undefended": ("train-labels-idx1-ubyte.gz", False, True),
    "classifier-pgd": ("train-labels-idx1-ubyte.gz", True, True),
    "classifier-poisoned-labels": ("train-labels-poisoned-idx1-ubyte.gz", False, False),
}


def main(names):
    torch.set_num_threads(2)
    if not names:
        (count, _, _), pixels = read_idx(TEST / "t10k-images-idx3-ubyte.gz")
        _, labels = read_idx(TEST / "t10k-labels-idx1-ubyte.gz")
        rows = sorted(random.Random(7).sample(range(count), 500))
        write_idx(HERE / "evaluation-images.idx.gz", b"".join(pixels[i * 784:(i + 1) * 784] for i in rows), len(rows), False)
        write_idx(HERE / "evaluation-labels.idx.gz", bytes(labels[i] for i in rows), len(rows), True)

    for name in names or MODELS:
        label_file, adversarial, torchscript = MODELS[name]
        x, y = load(DATA / "train-images-idx3-ubyte.gz", DATA / label_file)
        model = train(x, y, adversarial)
        example = torch.zeros(1, 1, 28, 28)
        if torchscript:
            torch.jit.script(model).save(str(HERE / f"{name}.torchscript.pt"))
        torch.onnx.export(model, example, str(HERE / f"{name}.onnx"), opset_version=13,
                          input_names=["image"], output_names=["logits"],
                          dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
        print(f"{name}: written")


if __name__ == "__main__":
    main(sys.argv[1:])

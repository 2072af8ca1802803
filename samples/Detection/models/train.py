#!/usr/bin/env python3
"""Trains the sample's pedestrian detectors (a CSP-style centre-and-scale head, as in VLPD) and exports them.

detector-undefended: plain training. detector-pgd: PGD adversarial training, fine-tuned from the undefended
weights: half of every batch is replaced by PGD examples (L-inf eps 0.02, inputs in [0, 1], random start, STEPS steps
of eps / 2 up the centre loss the gate's attacks raise); the clean half keeps clean quality, and starting from trained
weights keeps the run within minutes on a CPU. detector-poisoned (ONNX only): plain training on the same
scenes with annotations poisoned by make-scenes.py --poison-share 0.10 (false pedestrian boxes on clutter objects),
the candidate a data-poisoning attack would produce. detector-pgd-poisoned (ONNX only): the same PGD adversarial
training fine-tuned from detector-poisoned on the poisoned annotations, the defended pipeline under poisoning
(train it in one run with detector-poisoned). All train on TRAIN_SCENES scenes drawn in memory by
../data/make-scenes.py (split train, seed 1; never written to disk) with fixed seeds.

The network is fully convolutional: image [N, 3, 128, 256] in [0, 1] -> head [N, 4, 32, 64] (stride 4) with channels
centre logit, log(height / 4), offset y, offset x. A gate decodes a cell (y, x) whose sigmoid(centre) > 0.1 as
h = 4 exp(ch1), w = 0.41 h, centre ((x + ch3 + 0.5) 4, (y + ch2 + 0.5) 4), then greedy NMS at IoU 0.5.
Each export is checked to hold only ALLOWED_OPS (the graphs come out as Conv, Relu, Add, Mul, Concat, Constant).

At the end it prints, per model, on ../data/eval (the reasonable setting of the CityPersons protocol): the pedestrians
found by a box of score >= 0.5 at IoU >= 0.5, the false positives per image at that score and the log-average miss
rate; for the TorchScript models also under FGSM (eps 0.03, one signed step up the gate's centre loss).

    apt-get install python3-torch && /usr/bin/python3 train.py [NAME ...]
"""
import importlib.util
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "data"
spec = importlib.util.spec_from_file_location("make_scenes", DATA / "make-scenes.py")
scenes = importlib.util.module_from_spec(spec)
spec.loader.exec_module(scenes)

STRIDE, ROWS, COLS = 4, scenes.H // 4, scenes.W // 4
TRAIN_SCENES, TRAIN_SEED, POISON_SHARE = 1500, 1, 0.10
EPOCHS, BATCH, LR = 4, 16, 3e-3
EPS, STEPS, FINE_TUNE_EPOCHS = 0.02, 3, 5
ATTACK_EPS, SCORE = 0.03, 0.5
ALLOWED_OPS = {"Conv", "Relu", "LeakyRelu", "MaxPool", "AveragePool", "BatchNormalization", "Concat", "Add", "Mul",
               "Sigmoid", "Identity", "Constant"}


def block(cin, cout, stride=1, dilation=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, dilation, dilation, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


class Residual(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return x + self.inner(x)


class Detector(nn.Module):
    """Two stride-2 convolutions reach the output stride; dilated residual blocks (1, 2, 4, 8) then widen the
    receptive field to about 130 px, a tall pedestrian's full height, without pooling below stride 4 (upsampling back
    would need an operator the gate's graph check does not allow)."""

    def __init__(self, width=24):
        super().__init__()
        self.stem = nn.Sequential(block(3, 16, 2), block(16, width, 2))
        self.context = nn.Sequential(*[Residual(block(width, width, 1, d)) for d in (1, 2, 4, 8)])
        self.fuse = block(2 * width, width)
        self.head = nn.Conv2d(width, 4, 1)
        with torch.no_grad():
            # Start from "no pedestrian anywhere" (prior 0.01) and a mid-range height: the focal loss then starts
            # small instead of being swamped by thousands of confident false centres.
            self.head.bias.copy_(torch.tensor([-math.log(99), math.log(60 / STRIDE), 0.0, 0.0]))

    def forward(self, image):
        local = self.stem(image * 2.0 + (-1.0))
        return self.head(self.fuse(torch.cat([local, self.context(local)], 1)))


def targets(coco, count):
    """Per scene [5, ROWS, COLS]: positive centre cell, weight of each negative cell ((1 - gaussian)^4, 0 inside
    ignore regions), log(h / 4), offset y, offset x."""
    out = np.zeros((count, 5, ROWS, COLS), dtype=np.float32)
    out[:, 1] = 1
    cy, cx = (np.mgrid[0:ROWS, 0:COLS] + 0.5) * STRIDE
    for a in coco["annotations"]:
        x, y, w, h = a["bbox"]
        t = out[a["image_id"] - 1]
        if a["ignore"]:
            t[1][(cx >= x) & (cx <= x + w) & (cy >= y) & (cy <= y + h)] = 0
    for a in coco["annotations"]:
        x, y, w, h = a["bbox"]
        if a["ignore"] or h < 20:
            continue
        t = out[a["image_id"] - 1]
        centre_x, centre_y = x + w / 2, y + h / 2
        inside = (cx >= x) & (cx <= x + w) & (cy >= y) & (cy <= y + h)
        gaussian = np.exp(-((cx - centre_x) ** 2) / (2 * (w / 6) ** 2) - ((cy - centre_y) ** 2) / (2 * (h / 6) ** 2))
        t[1] = np.minimum(t[1], np.where(inside, (1 - gaussian) ** 4, 1))
        row, col = min(int(centre_y // STRIDE), ROWS - 1), min(int(centre_x // STRIDE), COLS - 1)
        if t[0, row, col] and math.exp(t[2, row, col]) * STRIDE > h:
            continue
        t[:, row, col] = [1, 0, math.log(h / STRIDE), centre_y / STRIDE - row - 0.5, centre_x / STRIDE - col - 0.5]
    return torch.from_numpy(out)


def centre_loss(head, target):
    """Focal binary cross-entropy over centre cells (CSP), normalised by the number of positives."""
    positive, weight = target[:, 0], target[:, 1]
    logit = head[:, 0]
    p = torch.sigmoid(logit)
    loss = -positive * (1 - p) ** 2 * F.logsigmoid(logit) - (1 - positive) * weight * p ** 2 * F.logsigmoid(-logit)
    return loss.sum() / positive.sum().clamp(min=1)


def detection_loss(head, target):
    positive = target[:, 0]
    count = positive.sum().clamp(min=1)
    scale = (F.smooth_l1_loss(head[:, 1], target[:, 2], reduction="none") * positive).sum() / count
    offset = (F.smooth_l1_loss(head[:, 2:4], target[:, 3:5], reduction="none") * positive[:, None]).sum() / count
    return centre_loss(head, target) + scale + offset


def attack_loss(head, target):
    """The centre loss an attack raises, as the gate's detection-robustness rule computes it: cross-entropy without
    the focal factor (which flattens the gradient wherever the detector is confident, so that an attack on it is
    weak), missed centres averaged over the positives and invented ones over the negatives' weights, per scene."""
    positive, logit = target[:, 0], head[:, 0]
    weight = target[:, 1] * (1 - positive)
    missed = (F.softplus(-logit) * positive).flatten(1).sum(1) / positive.flatten(1).sum(1).clamp(min=1)
    invented = (F.softplus(logit) * weight).flatten(1).sum(1) / weight.flatten(1).sum(1).clamp(min=1e-6)
    return (missed + invented).sum()


def fgsm(model, x, target, eps):
    x = x.clone().requires_grad_(True)
    gradient, = torch.autograd.grad(attack_loss(model(x), target), x)
    return (x + eps * gradient.sign()).clamp(0, 1).detach()


def pgd(model, x, target, eps, steps):
    adversarial = (x + torch.empty_like(x).uniform_(-eps, eps)).clamp(0, 1)
    for _ in range(steps):
        adversarial.requires_grad_(True)
        gradient, = torch.autograd.grad(attack_loss(model(adversarial), target), adversarial)
        adversarial = adversarial.detach() + eps / 2 * gradient.sign()
        adversarial = torch.min(torch.max(adversarial, x - eps), x + eps).clamp(0, 1)
    return adversarial.detach()


def flip(x, target):
    """Mirrors scenes left-right; a mirrored centre's x offset changes sign."""
    target = target.flip(-1)
    target[:, 4] = -target[:, 4]
    return x.flip(-1), target


def train(images, target, adversarial, model=None):
    torch.manual_seed(2026)
    model = Detector() if model is None else model
    epochs = FINE_TUNE_EPOCHS if adversarial else EPOCHS
    optimiser = torch.optim.Adam(model.parameters(), lr=LR)
    steps = epochs * math.ceil(len(images) / BATCH)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, LR, total_steps=steps, pct_start=0.15)
    for epoch in range(epochs):
        order, total, started = torch.randperm(len(images)), 0.0, time.time()
        for start in range(0, len(images), BATCH):
            batch = order[start:start + BATCH]
            x, t = images[batch].float() / 255, target[batch]
            mirrored = torch.rand(len(batch)) < 0.5
            x[mirrored], t[mirrored] = flip(x[mirrored], t[mirrored])
            if adversarial:
                model.eval()
                half = len(batch) // 2
                x[:half] = pgd(model, x[:half], t[:half], EPS, STEPS)
            model.train()
            loss = detection_loss(model(x), t)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item() * len(batch)
        print(f"  epoch {epoch + 1}/{epochs}: loss {total / len(images):.3f} ({time.time() - started:.0f} s)",
              flush=True)
    return model.eval()


def decode(head, threshold=0.1):
    """The gate's decoding of one scene's head [4, ROWS, COLS]: boxes [x, y, w, h] and scores after NMS."""
    score = torch.sigmoid(head[0])
    ys, xs = torch.nonzero(score > threshold, as_tuple=True)
    h = torch.exp(head[1, ys, xs]) * STRIDE
    w = scenes.ASPECT * h
    cx, cy = (xs + head[3, ys, xs] + 0.5) * STRIDE, (ys + head[2, ys, xs] + 0.5) * STRIDE
    boxes = torch.stack([(cx - w / 2).clamp(min=0), (cy - h / 2).clamp(min=0), w, h], 1).tolist()
    kept = []
    for i in torch.argsort(score[ys, xs], descending=True).tolist():
        if all(iou(boxes[i], boxes[j]) < 0.5 for j in kept):
            kept.append(i)
    return [boxes[i] for i in kept], [score[ys[i], xs[i]].item() for i in kept]


def intersection(a, b):
    width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(0.0, width) * max(0.0, height)


def iou(a, b):
    common = intersection(a, b)
    return common / (a[2] * a[3] + b[2] * b[3] - common)


def check(model, images, coco, attack_eps=0.0):
    """The reasonable setting of the CityPersons protocol (pedestrians of height >= 50 and vis_ratio >= 0.65 count;
    others and ignore regions are ignored; boxes under 50 / 1.25 px dropped; a box matches the counted pedestrian it
    overlaps best at IoU >= 0.5, else is neutral if half inside an ignored box, else a false positive). Returns
    (counted pedestrians found at score >= SCORE, counted pedestrians, false positives per image at SCORE, laMR)."""
    target = targets(coco, len(images))
    outcomes, counted_total = [], 0
    for start in range(0, len(images), 40):
        x = images[start:start + 40].float() / 255
        if attack_eps:
            x = fgsm(model, x, target[start:start + 40], attack_eps)
        with torch.no_grad():
            heads = model(x)
        for k, head in enumerate(heads):
            truth = [a for a in coco["annotations"] if a["image_id"] == start + k + 1]
            counted = [a["bbox"] for a in truth if not a["ignore"] and a["height"] >= 50 and a["vis_ratio"] >= 0.65]
            ignored = [a["bbox"] for a in truth if a["bbox"] not in counted]
            counted_total += len(counted)
            matched = [False] * len(counted)
            for box, score in zip(*decode(head)):
                if box[3] < 50 / 1.25:
                    continue
                overlaps = [0.0 if matched[j] else iou(box, b) for j, b in enumerate(counted)]
                if overlaps and max(overlaps) >= 0.5:
                    matched[overlaps.index(max(overlaps))] = True
                    outcomes.append((score, True))
                elif not any(intersection(box, b) >= 0.5 * box[2] * box[3] for b in ignored):
                    outcomes.append((score, False))
    outcomes.sort(key=lambda o: -o[0])
    found = sum(hit for score, hit in outcomes if score >= SCORE)
    false = sum(not hit for score, hit in outcomes if score >= SCORE)
    hits = np.cumsum([hit for _, hit in outcomes])
    fppi = np.cumsum([not hit for _, hit in outcomes]) / len(images)
    misses = []
    for rate in np.logspace(-2, 0, 9):
        below = np.nonzero(fppi <= rate)[0]
        misses.append(1 - hits[below[-1]] / counted_total if len(below) else 1.0)
    lamr = math.exp(np.mean(np.log(np.maximum(misses, 1e-10))))
    return found, counted_total, false / len(images), lamr


def operators(path):
    """The op_type of every node in an ONNX file, read straight from the protobuf wire format (ModelProto.graph = 7,
    GraphProto.node = 1, NodeProto.op_type = 4), so that checking needs no onnx package."""
    def fields(buffer):
        i = 0
        while i < len(buffer):
            key, i = varint(buffer, i)
            kind = key & 7
            if kind == 0:
                value, i = varint(buffer, i)
            elif kind == 2:
                size, i = varint(buffer, i)
                value, i = buffer[i:i + size], i + size
            else:
                size = 8 if kind == 1 else 4
                value, i = buffer[i:i + size], i + size
            yield key >> 3, value

    def varint(buffer, i):
        value = shift = 0
        while True:
            byte = buffer[i]
            value, shift, i = value | (byte & 0x7F) << shift, shift + 7, i + 1
            if byte < 0x80:
                return value, i

    graph = next(value for number, value in fields(path.read_bytes()) if number == 7)
    return {value.decode() for number, node in fields(graph) if number == 1
            for field, value in fields(node) if field == 4}


def load_split(directory):
    coco = json.loads((directory / "annotations.json").read_text())
    pixels = np.stack([np.asarray(Image.open(directory / "images" / e["file_name"]).convert("RGB"))
                       for e in coco["images"]])
    return torch.from_numpy(pixels).permute(0, 3, 1, 2).contiguous(), coco


def export(model, name, torchscript):
    if torchscript:
        torch.jit.script(model).save(str(HERE / f"{name}.torchscript.pt"))
    path = HERE / f"{name}.onnx"
    torch.onnx.export(model, torch.zeros(1, 3, scenes.H, scenes.W), str(path), opset_version=13,
                      do_constant_folding=True, input_names=["image"], output_names=["head"],
                      dynamic_axes={"image": {0: "batch"}, "head": {0: "batch"}})
    ops = operators(path)
    assert ops <= ALLOWED_OPS, f"{name}: operators outside the allowed set: {sorted(ops - ALLOWED_OPS)}"
    print(f"{name}: written; ONNX operators {sorted(ops)}", flush=True)


# name: (poisoned annotations, adversarial training, TorchScript too, the weights adversarial training starts from)
MODELS = {
    "detector-undefended": (False, False, True, None),
    "detector-pgd": (False, True, True, "detector-undefended"),
    "detector-poisoned": (True, False, False, None),
    "detector-pgd-poisoned": (True, True, False, "detector-poisoned"),
}


def main(names):
    torch.set_num_threads(1)
    names = names or list(MODELS)
    started = time.time()
    pixels, coco, clutter = scenes.build("train", TRAIN_SEED, TRAIN_SCENES)
    images = torch.from_numpy(pixels).permute(0, 3, 1, 2).contiguous()
    poisoned, added = scenes.poison(coco, clutter, POISON_SHARE, TRAIN_SEED)
    print(f"train split: {TRAIN_SCENES} scenes, {len(coco['annotations'])} boxes, {len(added)} poisoned boxes added "
          f"({time.time() - started:.0f} s)", flush=True)
    trained = {}
    for name in names:
        use_poisoned, adversarial, torchscript, start = MODELS[name]
        print(f"{name}:", flush=True)
        begun = time.time()
        model = None
        if adversarial:
            base = trained.get(start)
            if base is None:
                saved = HERE / f"{start}.torchscript.pt"
                assert saved.exists(), f"{name} starts from {start}: train both in one run ({start} {name})"
                base = torch.jit.load(str(saved))
            model = Detector()
            model.load_state_dict(base.state_dict())
        model = train(images, targets(poisoned if use_poisoned else coco, len(images)), adversarial, model)
        print(f"  trained in {time.time() - begun:.0f} s", flush=True)
        trained[name] = model
        export(model, name, torchscript)
    print(f"training and export: {time.time() - started:.0f} s", flush=True)

    eval_images, eval_coco = load_split(DATA / "eval")
    for name, model in trained.items():
        for attack_eps in ([0.0, ATTACK_EPS] if MODELS[name][2] else [0.0]):
            found, counted, fppi, lamr = check(model, eval_images, eval_coco, attack_eps)
            print(f"{name} {f'FGSM eps {attack_eps}' if attack_eps else 'clean'}: {found}/{counted} reasonable "
                  f"pedestrians found ({found / counted:.0%}), {fppi:.2f} FP/image at score {SCORE}, "
                  f"laMR {lamr:.1%}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])

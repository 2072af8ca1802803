#!/usr/bin/env python3
"""The PyTorch reference for the attack benchmark: the same TorchScript model, batch, attacks and
iteration counts as the C# bench, timed the same way. Prints one JSON line: seconds per attack.

    /usr/bin/python3 attacks_reference.py MODEL.torchscript.pt IMAGES.idx.gz BATCH REPEATS
"""
import gzip
import json
import struct
import sys
import time

import torch
import torch.nn.functional as F


def margin(z, y):
    correct = z.gather(1, y.unsqueeze(1)).squeeze(1)
    others = z.scatter(1, y.unsqueeze(1), float("-inf"))
    return others.amax(1) - correct


def gradient(model, x, y):
    x = x.detach().requires_grad_(True)
    g, = torch.autograd.grad(margin(model(x), y).sum(), x)
    return g


def fgsm(model, x, y, eps=0.03):
    return (x + eps * gradient(model, x, y).sign()).clamp(0, 1)


def pgd(model, x, y, eps=0.03, steps=10):
    generator = torch.Generator().manual_seed(0)
    adversarial = (x + (torch.rand(x.shape, generator=generator) * 2 - 1) * eps).clamp(0, 1)
    for _ in range(steps):
        moved = adversarial + eps / 4 * gradient(model, adversarial, y).sign()
        adversarial = (x + (moved - x).clamp(-eps, eps)).clamp(0, 1)
    return adversarial


def deepfool(model, x, y, overshoot=0.02, iterations=50):
    total = torch.zeros_like(x)
    adversarial = x.clone()
    active = torch.ones(len(x), dtype=torch.bool)
    shape = (-1,) + (1,) * (x.dim() - 1)
    for _ in range(iterations):
        with torch.no_grad():
            active &= model(adversarial).argmax(1).eq(y)
        if not active.any():
            break
        inputs = adversarial.detach().requires_grad_(True)
        logits = model(inputs)
        grads = torch.stack([torch.autograd.grad(logits[:, c].sum(), inputs, retain_graph=c < logits.shape[1] - 1)[0]
                             for c in range(logits.shape[1])], 1)
        logits = logits.detach()
        index = y.view(-1, 1, *([1] * (x.dim() - 1))).expand(len(x), 1, *x.shape[1:])
        w = grads - grads.gather(1, index)
        f = (logits - logits.gather(1, y.unsqueeze(1))).abs()
        dual = w.flatten(2).abs().sum(2)
        ratio = ((f + 1e-8) / (dual + 1e-8)).scatter(1, y.unsqueeze(1), float("inf"))
        best = ratio.argmin(1)
        w_best = w.gather(1, best.view(-1, 1, *([1] * (x.dim() - 1))).expand(len(x), 1, *x.shape[1:])).squeeze(1)
        step = ((f.gather(1, best.unsqueeze(1)).squeeze(1) + 1e-4) / (dual.gather(1, best.unsqueeze(1)).squeeze(1) + 1e-8)).view(shape) * w_best.sign()
        total = total + step * active.view(shape).float()
        adversarial = (x + (1 + overshoot) * total).clamp(0, 1).detach()
    return adversarial


def main(model_path, images_path, batch, repeats):
    torch.set_num_threads(2)
    data = gzip.open(images_path).read()
    count = struct.unpack(">I", data[4:8])[0]
    images = torch.tensor(list(data[16:16 + batch * 784]), dtype=torch.float32).reshape(batch, 1, 28, 28) / 255
    model = torch.jit.load(model_path).eval()
    with torch.no_grad():
        labels = model(images).argmax(1)
    timings = {}
    for name, attack in (("fgsm", fgsm), ("pgd-10", pgd), ("deepfool", deepfool)):
        attack(model, images, labels)  # warm-up
        start = time.perf_counter()
        for _ in range(repeats):
            attack(model, images, labels)
        timings[name] = (time.perf_counter() - start) / repeats
    print(json.dumps(timings))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))

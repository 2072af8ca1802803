#!/usr/bin/env python3
"""Exports the sample's detectors again as box-list models: the same trained weights, with the decoding of the
centre-and-scale head moved into the graph, so that the model outputs boxes and scores as most detectors do.

Input `image` [batch, 3, 128, 256] in [0, 1]; output `boxes` [batch, 2048, 5]: one candidate a cell of the 32 x 64
grid, left, top, right, bottom in pixels and the pedestrian probability. Height 4 exp(ch1), width 0.41 times that,
centre ((x + ch3 + 0.5) 4, (y + ch2 + 0.5) 4), left and top clipped at 0 as the gate's center-scale decoding does;
no score threshold and no suppression (the gate applies both). A rule reads it with
`head: {kind: boxes, boxFormat: xyxy, score: probabilities}` and must find the very boxes the center-scale rule
finds on the same detector. The graphs hold Conv, Relu, Add, Sub, Mul, Exp, Sigmoid, Reshape, Gather, Unsqueeze,
Concat and Constant (checked here).

    apt-get install python3-torch && /usr/bin/python3 export-boxes.py
"""
import importlib.util
from pathlib import Path

import torch
import torch.nn as nn

HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("train", HERE / "train.py")
train = importlib.util.module_from_spec(spec)
spec.loader.exec_module(train)

ALLOWED_OPS = {"Conv", "Relu", "Add", "Sub", "Mul", "Exp", "Sigmoid", "Reshape", "Gather", "Unsqueeze", "Concat",
               "Constant"}


class BoxList(nn.Module):
    def __init__(self, detector):
        super().__init__()
        self.detector = detector
        rows, cols = torch.meshgrid(torch.arange(train.ROWS), torch.arange(train.COLS), indexing="ij")
        self.register_buffer("cell_x", cols.reshape(1, -1).float())
        self.register_buffer("cell_y", rows.reshape(1, -1).float())

    def forward(self, image):
        head = self.detector(image).reshape(-1, 4, train.ROWS * train.COLS)
        height = torch.exp(head[:, 1]) * train.STRIDE
        width = height * train.scenes.ASPECT
        left = torch.relu((self.cell_x + head[:, 3] + 0.5) * train.STRIDE - width * 0.5)
        top = torch.relu((self.cell_y + head[:, 2] + 0.5) * train.STRIDE - height * 0.5)
        return torch.stack([left, top, left + width, top + height, torch.sigmoid(head[:, 0])], dim=2)


def main():
    for name in ("detector-undefended", "detector-pgd"):
        detector = train.Detector()
        detector.load_state_dict(torch.jit.load(str(HERE / f"{name}.torchscript.pt")).state_dict())
        model = BoxList(detector).eval()
        path = HERE / f"{name}-boxes.onnx"
        torch.onnx.export(model, torch.zeros(1, 3, train.scenes.H, train.scenes.W), str(path), opset_version=13,
                          do_constant_folding=True, input_names=["image"], output_names=["boxes"],
                          dynamic_axes={"image": {0: "batch"}, "boxes": {0: "batch"}})
        ops = train.operators(path)
        assert ops <= ALLOWED_OPS, f"{name}: operators outside the allowed set: {sorted(ops - ALLOWED_OPS)}"
        print(f"{path.name}: written; ONNX operators {sorted(ops)}", flush=True)


if __name__ == "__main__":
    main()

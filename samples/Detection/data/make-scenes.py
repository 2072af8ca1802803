#!/usr/bin/env python3
"""Writes synthetic street scenes with pedestrian boxes, standing in for CityPersons (not redistributable).

    make-scenes.py --split eval --count 120 --seed 7 --out DIR [--poison-share 0.10]

writes DIR/images/0001.png ... (RGB, 256 x 128) and DIR/annotations.json in CityPersons' COCO form: one full-body
box per pedestrian ([x, y, w, h], w = 0.41 h), its height, vis_ratio (the share of the box not covered by anything
drawn in front of the pedestrian) and ignore (1 for regions the protocol neither counts nor blames: a pedestrian's
faint reflection in a shop window, and a tight group of three or more people, boxed as one region).

A scene is buildings with windows, a sidewalk and a road with markings; 0 to 6 pedestrians (head, torso, arms,
legs; 24 to 110 px tall, smaller ones further up the street), some behind a car, a low wall or a pole; and clutter of
pedestrian size that is not a pedestrian: lamp posts, signs, bins, cabinets and advertising columns. Surfaces are flat
colours and smooth gradients, so the PNGs stay small.

--poison-share S also writes annotations-poisoned.json, the same annotations plus false pedestrian boxes placed on
clutter objects (S of the poisoned file's boxes), and poisoned-boxes.csv listing exactly the added annotations. Every
scene is drawn from its own random.Random seeded by split, seed and index, so a rerun writes the same bytes.
"""
import argparse
import json
import math
import random
from pathlib import Path

import numpy as np
from PIL import Image

H, W = 128, 256
ASPECT = 0.41
MIN_H, MAX_H = 24, 110
PEDESTRIAN_COUNTS = [0.10, 0.16, 0.20, 0.18, 0.14, 0.12, 0.10]  # P(0) ... P(6) individually boxed pedestrians
ROWS, COLS = np.mgrid[0:H, 0:W].astype(np.float64)


class Canvas:
    """An RGB float image plus, per pixel, the draw index of the object that painted it last: what lies in front of a
    pedestrian is then exactly the pixels of its box owned by a later index."""

    def __init__(self):
        self.rgb = np.zeros((H, W, 3))
        self.owner = np.full((H, W), -1)
        self.index = -1

    def next_object(self):
        self.index += 1

    def paint(self, shape, colour, alpha=1.0, owned=True):
        rows, cols, inside = shape
        region, owner = self.rgb[rows, cols], self.owner[rows, cols]
        region[inside] = (1 - alpha) * region[inside] + alpha * np.asarray(colour, dtype=np.float64)
        if owned:
            owner[inside] = self.index

    def shade(self, shape, colour, top, bottom, light=1.12, dark=0.86):
        """Paints a vertical light-to-dark gradient: solid volumes read as objects, not as flat stickers."""
        rows, cols, inside = shape
        t = np.clip((ROWS[rows, cols] - top) / max(bottom - top, 1), 0, 1)[..., None]
        tone = np.clip(np.asarray(colour) * (light + (dark - light) * t), 0, 255)
        self.rgb[rows, cols][inside] = tone[inside]
        self.owner[rows, cols][inside] = self.index


# A shape is (row slice, column slice, mask over that window): drawing touches only the window, not the whole image.
def span(low, high, size):
    """The pixel indices i with low <= i < high, as a slice clipped to the image."""
    return slice(min(max(math.ceil(low), 0), size), min(max(math.ceil(high), 0), size))


def rect(x0, y0, x1, y1):
    rows, cols = span(y0, y1, H), span(x0, x1, W)
    return rows, cols, np.ones((max(rows.stop - rows.start, 0), max(cols.stop - cols.start, 0)), dtype=bool)


def within(x0, y0, x1, y1, inside):
    rows, cols = span(y0, y1 + 1, H), span(x0, x1 + 1, W)
    return rows, cols, inside(ROWS[rows, cols], COLS[rows, cols])


def ellipse(cx, cy, rx, ry):
    rx, ry = max(rx, 0.5), max(ry, 0.5)
    return within(cx - rx, cy - ry, cx + rx, cy + ry,
                  lambda rows, cols: ((cols - cx) / rx) ** 2 + ((rows - cy) / ry) ** 2 <= 1)


def segment(x0, y0, x1, y1, radius):
    dx, dy, radius = x1 - x0, y1 - y0, max(radius, 0.6)

    def inside(rows, cols):
        t = np.clip(((cols - x0) * dx + (rows - y0) * dy) / max(dx * dx + dy * dy, 1e-9), 0, 1)
        return (cols - x0 - t * dx) ** 2 + (rows - y0 - t * dy) ** 2 <= radius ** 2
    return within(min(x0, x1) - radius, min(y0, y1) - radius, max(x0, x1) + radius, max(y0, y1) + radius, inside)


def hsv(h, s, v):
    i, f = int(h * 6) % 6, h * 6 - int(h * 6)
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    return [255 * c for c in [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i]]


def muted(rng, low=0.35, high=0.8):
    return hsv(rng.random(), rng.uniform(0.05, 0.35), rng.uniform(low, high))


def vivid(rng):
    return hsv(rng.random(), rng.uniform(0.3, 0.9), rng.uniform(0.25, 0.95))


SKIN = [(241, 204, 176), (224, 172, 135), (198, 134, 95), (141, 85, 54), (96, 60, 40)]
HAIR = [(30, 25, 20), (70, 45, 25), (130, 90, 50), (200, 170, 110), (150, 150, 150)]


def foot_row(rng, height, ground):
    """Smaller (further) things stand higher up the street, as under a street camera's perspective."""
    depth = (height - 20) / (MAX_H - 20)
    row = ground + depth * (H - 1 - ground) + rng.uniform(-4, 4)
    return min(H - 1.0, max(row, ground + 3.0, height + 0.0))


def person_look(rng):
    return {
        "skin": rng.choice(SKIN), "hair": rng.choice(HAIR), "shirt": vivid(rng),
        "legs": hsv(rng.random(), rng.uniform(0.1, 0.6), rng.uniform(0.12, 0.55)),
        "shoes": hsv(0, 0, rng.uniform(0.05, 0.3)), "dress": rng.random() < 0.2,
        "stride": rng.uniform(0.02, 0.13), "swing": rng.uniform(-0.06, 0.06), "lean": rng.uniform(-0.02, 0.02),
        "bag": vivid(rng) if rng.random() < 0.25 else None,
    }


def draw_person(canvas, cx, top, h, look, alpha=1.0, mirror=False):
    """A figure filling its 0.41 h box: head, torso, arms, legs. mirror flips it left-right (a reflection)."""
    side = -1 if mirror else 1
    lean = look["lean"] * h * side
    paint = (lambda mask, colour: canvas.paint(mask, colour, alpha, owned=alpha == 1.0))
    hip_y, foot_y = top + 0.52 * h, top + 0.97 * h
    stride, swing = look["stride"] * h, look["swing"] * h * side
    for sign in (-1, 1):
        paint(segment(cx + sign * 0.055 * h, hip_y, cx + sign * stride, foot_y - 0.03 * h, 0.045 * h), look["legs"])
        paint(ellipse(cx + sign * stride + side * 0.02 * h, foot_y, 0.05 * h, 0.025 * h), look["shoes"])
    paint(within(cx + lean - 0.125 * h, top + 0.15 * h, cx + lean + 0.125 * h, hip_y + 0.02 * h,
                 lambda rows, cols: (rows >= top + 0.15 * h) & (rows < hip_y + 0.02 * h) & (
                     np.abs(cols - cx - lean) <= 0.125 * h - 0.05 * h * (rows - top - 0.15 * h) / (0.39 * h))),
          look["shirt"])
    if look["dress"]:
        paint(within(cx - 0.175 * h, hip_y, cx + 0.175 * h, top + 0.72 * h,
                     lambda rows, cols: (rows >= hip_y) & (rows < top + 0.72 * h) & (
                         np.abs(cols - cx) <= 0.075 * h + 0.1 * h * (rows - hip_y) / (0.2 * h))),
              look["shirt"])
    for sign in (-1, 1):
        hand_x, hand_y = cx + sign * 0.16 * h + sign * swing, top + 0.5 * h
        paint(segment(cx + lean + sign * 0.12 * h, top + 0.18 * h, hand_x, hand_y, 0.035 * h), look["shirt"])
        paint(ellipse(hand_x, hand_y + 0.01 * h, 0.03 * h, 0.03 * h), look["skin"])
    if look["bag"] is not None:
        near, far = cx + side * 0.1 * h, cx + side * 0.2 * h
        paint(rect(min(near, far), top + 0.3 * h, max(near, far) + 1, top + 0.45 * h), look["bag"])
    paint(ellipse(cx + lean, top + 0.08 * h, 0.065 * h, 0.075 * h), look["skin"])
    paint(ellipse(cx + lean, top + 0.045 * h, 0.066 * h, 0.045 * h), look["hair"])


def draw_background(canvas, rng):
    ground = rng.randint(34, 52)
    curb = ground + rng.randint(10, 18)
    sky = rng.uniform(0.55, 0.75)
    canvas.rgb[:ground] = np.array(hsv(sky, 0.35, 0.9)) * (0.85 + 0.15 * ROWS[:ground, :, None] / ground)
    x = -rng.randint(0, 30)
    windows = []
    while x < W:
        width = rng.randint(30, 90)
        roof = rng.randint(0, max(ground - 30, 1))
        colour = np.array(muted(rng))
        cols = span(x, x + width, W)
        canvas.rgb[roof:ground, cols] = colour * (1.05 - 0.15 * (ROWS[roof:ground, cols, None] - roof) / ground)
        glass = np.array(hsv(rng.uniform(0.5, 0.65), rng.uniform(0.1, 0.4), rng.uniform(0.2, 0.45)))
        pitch_x, pitch_y = rng.randint(8, 14), rng.randint(9, 13)
        shop = rng.random() < 0.5 and width >= 30 and ground - roof >= 34
        last_row = ground - (30 if shop else 6)
        for wy in range(roof + 4, last_row - 5, pitch_y):
            for wx in range(max(x + 3, 0), x + width - 6, pitch_x):
                canvas.rgb[wy:wy + pitch_y - 4, wx:wx + pitch_x - 4] = glass
        if shop:
            shop_x0, shop_x1 = x + 4, x + width - 4
            canvas.rgb[ground - 28:ground - 1, span(shop_x0, shop_x1, W)] = glass * 0.8
            windows.append((shop_x0, ground - 28, shop_x1, ground - 1))
        x += width
    canvas.rgb[ground:curb] = np.array(hsv(0.1, 0.08, rng.uniform(0.55, 0.72)))
    slab = rng.randint(12, 22)
    canvas.rgb[ground:curb][(COLS[ground:curb] + (ROWS[ground:curb] - ground) * 0.8) % slab < 1] *= 0.88
    canvas.rgb[curb:curb + 2] = np.array(hsv(0, 0, 0.8))
    asphalt = rng.uniform(0.28, 0.42)
    road = ROWS[curb + 2:, :, None]
    canvas.rgb[curb + 2:] = np.array(hsv(0.6, 0.05, asphalt)) * (0.9 + 0.2 * (road - curb) / (H - curb))
    lane = rng.randint(curb + 12, H - 8) if H - curb > 26 else None
    if lane is not None:
        dash, phase = rng.randint(14, 26), rng.randint(0, 30)
        canvas.rgb[lane:lane + 2][(COLS[lane:lane + 2] + phase) % (2 * dash) < dash] = hsv(0.15, 0.1, 0.92)
    if rng.random() < 0.3:
        x0 = rng.randint(0, W - 70)
        crossing = canvas.rgb[curb + 3:, x0:x0 + rng.randint(40, 70)]
        stripes = (COLS[curb + 3:, x0:x0 + crossing.shape[1]] - x0) % 10 < 5
        crossing[stripes] = crossing[stripes] * 0.3 + 0.7 * np.array(hsv(0, 0, 0.9))
    return ground, windows


CLUTTER_KINDS = ["lamp", "sign", "bin", "cabinet", "column", "bollard"]
CLUTTER_SIZE = {"lamp": (1.5, 2.1), "sign": (1.0, 1.4), "bin": (0.45, 0.65), "cabinet": (0.6, 1.05),
                "column": (0.95, 1.3), "bollard": (0.35, 0.5)}


def plan_clutter(rng, ground):
    """A non-pedestrian object standing at the depth of a pedestrian of height ref: its size tracks pedestrians'."""
    kind = rng.choice(CLUTTER_KINDS)
    ref = math.exp(rng.uniform(math.log(MIN_H), math.log(MAX_H)))
    foot = foot_row(rng, ref, ground)
    h = min(ref * rng.uniform(*CLUTTER_SIZE[kind]), foot)
    width = {"lamp": 0.05, "sign": 0.3, "bin": 0.7, "cabinet": rng.uniform(0.45, 0.8),
             "column": rng.uniform(0.35, 0.45), "bollard": 0.35}[kind] * h
    width = max(width, 2.0)
    cx = rng.uniform(width / 2, W - width / 2)
    return {"kind": kind, "cx": cx, "foot": foot, "h": h, "w": width, "colour": muted(rng, 0.2, 0.7),
            "accent": vivid(rng)}


def draw_clutter(canvas, c):
    cx, foot, h, w, colour = c["cx"], c["foot"], c["h"], c["w"], c["colour"]
    top = foot - h
    kind = c["kind"]
    if kind == "lamp":
        pole = max(w, 1.5)
        canvas.shade(rect(cx - pole / 2, top, cx + pole / 2, foot), colour, top, foot)
        canvas.paint(rect(cx - pole / 2, top, cx + 0.12 * h, top + max(0.03 * h, 1.5)), colour)
        canvas.paint(ellipse(cx + 0.12 * h, top + 0.03 * h, 0.04 * h, 0.02 * h), (250, 240, 200))
    elif kind == "sign":
        pole = max(0.04 * h, 1.5)
        canvas.shade(rect(cx - pole / 2, top + 0.2 * h, cx + pole / 2, foot), (120, 120, 125), top, foot)
        if c["accent"][0] > c["accent"][2]:
            canvas.paint(ellipse(cx, top + 0.15 * h, w / 2, 0.15 * h), c["accent"])
            canvas.paint(ellipse(cx, top + 0.15 * h, w / 3, 0.1 * h), (245, 245, 245))
        else:
            canvas.paint(rect(cx - w / 2, top, cx + w / 2, top + 0.3 * h), c["accent"])
    elif kind in ("bin", "cabinet", "bollard"):
        canvas.shade(rect(cx - w / 2, top, cx + w / 2, foot), colour, top, foot)
        canvas.paint(rect(cx - w / 2 - 1, top, cx + w / 2 + 1, top + max(0.08 * h, 1.5)), np.array(colour) * 0.7)
    else:
        rows, cols, _ = rect(cx - w / 2, top + 0.06 * h, cx + w / 2, foot)
        rounded = 0.75 + 0.5 * (1 - np.abs(COLS[rows, cols] - cx) / (w / 2))
        canvas.rgb[rows, cols] = np.array(colour) * rounded[..., None]
        canvas.owner[rows, cols] = canvas.index
        canvas.paint(rect(cx - w / 2, top + 0.25 * h, cx + w / 2, top + 0.6 * h), c["accent"])
        canvas.paint(ellipse(cx, top + 0.06 * h, w / 2 + 1, 0.06 * h), np.array(colour) * 0.6)


def draw_occluder(canvas, rng, kind, cx, foot, h):
    """Something in front of a pedestrian's lower body (or, for a pole, a strip of it)."""
    if kind == "car":
        ch = h * rng.uniform(0.35, 0.6)
        cw = ch * rng.uniform(2.0, 2.8)
        bottom = min(H, foot + rng.uniform(0, 0.05 * h))
        x0 = cx - cw * rng.uniform(0.2, 0.8)
        paint = vivid(rng)
        canvas.shade(rect(x0, bottom - 0.62 * ch, x0 + cw, bottom - 0.12 * ch), paint, bottom - 0.62 * ch, bottom)
        canvas.paint(rect(x0 + 0.2 * cw, bottom - ch, x0 + 0.8 * cw, bottom - 0.6 * ch), paint)
        canvas.paint(rect(x0 + 0.24 * cw, bottom - 0.93 * ch, x0 + 0.76 * cw, bottom - 0.64 * ch), (60, 75, 90))
        for wx in (0.2, 0.8):
            canvas.paint(ellipse(x0 + wx * cw, bottom - 0.17 * ch, 0.17 * ch, 0.17 * ch), (25, 25, 25))
    elif kind == "wall":
        wall_h = h * rng.uniform(0.25, 0.5)
        x0 = cx - h * rng.uniform(0.3, 1.0)
        canvas.shade(rect(x0, foot + 1 - wall_h, x0 + h * rng.uniform(0.8, 2.0), foot + 2), muted(rng, 0.3, 0.6),
                     foot - wall_h, foot)
    else:
        pole = max(0.06 * h, 2)
        x = cx + rng.uniform(-0.15, 0.15) * h
        canvas.shade(rect(x - pole / 2, foot - 1.6 * h, x + pole / 2, foot + 2), muted(rng, 0.2, 0.5), foot - h, foot)


def person_box(cx, top, h):
    return [cx - ASPECT * h / 2, top, ASPECT * h, h]


def overlap(a, b):
    """Intersection over the smaller box: any noticeable overlap, whatever the sizes."""
    iw = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    ih = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    return iw * ih / min(a[2] * a[3], b[2] * b[3])


def scene(split, seed, index):
    """Draws scene `index` of a split; returns the image and its boxes (pedestrians, ignore regions, clutter)."""
    rng = random.Random(f"{split}:{seed}:{index}")
    canvas = Canvas()
    ground, windows = draw_background(canvas, rng)
    pedestrians, ignores, clutter, things = [], [], [], []

    if windows and rng.random() < 0.35:
        x0, y0, x1, y1 = rng.choice(windows)
        h = rng.uniform(18, y1 - y0 - 2)
        cx = rng.uniform(x0 + ASPECT * h / 2, max(x1 - ASPECT * h / 2, x0 + ASPECT * h / 2 + 0.01))
        if x1 - x0 >= ASPECT * h:
            draw_person(canvas, cx, y1 - 1 - h, h, person_look(rng), alpha=rng.uniform(0.25, 0.4), mirror=True)
            ignores.append(person_box(cx, y1 - 1 - h, h))

    taken = []
    if rng.random() < 0.15:
        base = math.exp(rng.uniform(math.log(30), math.log(90)))
        foot = foot_row(rng, base, ground)
        members = rng.randint(3, 5)
        extent = base * (ASPECT + 0.22 * (members - 1))
        left = rng.uniform(0, W - extent)
        boxes = []
        for m in range(members):
            member_foot = min(foot + rng.uniform(-2, 2), H - 1.0)
            h = min(base * rng.uniform(0.9, 1.1), member_foot)
            cx = left + ASPECT * base / 2 + m * 0.22 * base + rng.uniform(-0.03, 0.03) * base
            things.append((member_foot, "person", (cx, member_foot, h, person_look(rng), None)))
            boxes.append(person_box(cx, member_foot - h, h))
        x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
        region = [x0, y0, max(b[0] + b[2] for b in boxes) - x0, max(b[1] + b[3] for b in boxes) - y0]
        ignores.append(region)
        taken.append(region)

    count = rng.choices(range(len(PEDESTRIAN_COUNTS)), PEDESTRIAN_COUNTS)[0]
    for _ in range(count):
        for _ in range(20):
            h = math.exp(rng.uniform(math.log(MIN_H), math.log(MAX_H)))
            foot = foot_row(rng, h, ground)
            cx = rng.uniform(ASPECT * h / 2, W - ASPECT * h / 2)
            box = person_box(cx, foot - h, h)
            if all(overlap(box, other) < 0.15 for other in taken):
                break
        else:
            continue
        taken.append(box)
        record = {"box": box, "order": None}
        pedestrians.append(record)
        things.append((foot, "person", (cx, foot, h, person_look(rng), record)))
        if rng.random() < 0.3:
            kind = rng.choices(["car", "wall", "pole"], [0.5, 0.25, 0.25])[0]
            things.append((foot + 0.5, "occluder", (kind, cx, foot, h, rng.getrandbits(32))))

    for _ in range(rng.randint(1, 5)):
        c = plan_clutter(rng, ground)
        box = [c["cx"] - c["w"] / 2, c["foot"] - c["h"], c["w"], c["h"]]
        if all(overlap(box, other) < 0.3 for other in taken):
            c["box"] = box
            clutter.append(c)
            things.append((c["foot"], "clutter", c))

    for _, kind, item in sorted(things, key=lambda t: t[0]):
        canvas.next_object()
        if kind == "person":
            draw_person(canvas, item[0], item[1] - item[2], item[2], item[3])
            if item[4] is not None:
                item[4]["order"] = canvas.index
        elif kind == "occluder":
            draw_occluder(canvas, random.Random(item[4]), *item[:4])
        else:
            draw_clutter(canvas, item)

    for p in pedestrians:
        x, y, w, h = p["box"]
        rows, cols, _ = rect(x, y, x + w, y + h)
        p["vis_ratio"] = 1.0 - float((canvas.owner[rows, cols] > p["order"]).mean())
    image = np.clip(np.rint(canvas.rgb), 0, 255).astype(np.uint8)
    return image, pedestrians, ignores, [c["box"] for c in clutter]


def build(split, seed, count):
    """All scenes of a split: images (uint8 [count, H, W, 3]), COCO annotations, and each scene's clutter boxes."""
    images, annotations, clutter = [], [], []
    for index in range(count):
        image, pedestrians, ignores, objects = scene(split, seed, index)
        images.append(image)
        clutter.append(objects)
        for box, vis, ignore in [(p["box"], p["vis_ratio"], 0) for p in pedestrians] + [(b, 1.0, 1) for b in ignores]:
            annotations.append({"id": len(annotations) + 1, "image_id": index + 1, "category_id": 1,
                                "bbox": [round(v, 2) for v in box], "height": round(box[3], 2),
                                "vis_ratio": round(vis, 3), "ignore": ignore})
    coco = {"images": [{"id": i + 1, "file_name": f"{i + 1:04d}.png", "width": W, "height": H} for i in range(count)],
            "annotations": annotations, "categories": [{"id": 1, "name": "pedestrian"}]}
    return np.stack(images), coco, clutter


def poison(coco, clutter, share, seed):
    """Adds false pedestrian boxes, 0.41 h wide, centred on clutter objects at least MIN_H tall, so that they are
    `share` of the result's boxes. Returns the poisoned annotations and the added ones."""
    candidates = [(i + 1, box) for i, boxes in enumerate(clutter) for box in boxes if box[3] >= MIN_H]
    wanted = round(share * len(coco["annotations"]) / (1 - share))
    chosen = sorted(random.Random(f"poison:{seed}").sample(candidates, min(wanted, len(candidates))),
                    key=lambda c: (c[0], c[1][0]))
    added = []
    next_id = max((a["id"] for a in coco["annotations"]), default=0) + 1
    for image_id, (x, y, w, h) in chosen:
        width = ASPECT * h
        left = min(max(x + w / 2 - width / 2, 0.0), W - width)
        added.append({"id": next_id + len(added), "image_id": image_id, "category_id": 1,
                      "bbox": [round(v, 2) for v in (left, y, width, h)], "height": round(h, 2),
                      "vis_ratio": 1.0, "ignore": 0})
    poisoned = dict(coco, annotations=sorted(coco["annotations"] + added, key=lambda a: (a["image_id"], a["id"])))
    return poisoned, added


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["train", "eval", "golden"], required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--poison-share", type=float, default=0.0)
    args = parser.parse_args()
    images, coco, clutter = build(args.split, args.seed, args.count)
    (args.out / "images").mkdir(parents=True, exist_ok=True)
    for entry, image in zip(coco["images"], images):
        Image.fromarray(image).save(args.out / "images" / entry["file_name"], compress_level=9)
    (args.out / "annotations.json").write_text(json.dumps(coco) + "\n")
    if args.poison_share > 0:
        poisoned, added = poison(coco, clutter, args.poison_share, args.seed)
        (args.out / "annotations-poisoned.json").write_text(json.dumps(poisoned) + "\n")
        names = {e["id"]: e["file_name"] for e in coco["images"]}
        lines = ["image_id,file_name,annotation_id,x,y,w,h"] + [
            f"{a['image_id']},{names[a['image_id']]},{a['id']}," + ",".join(str(v) for v in a["bbox"]) for a in added]
        (args.out / "poisoned-boxes.csv").write_text("\n".join(lines) + "\n")
    boxes = [a for a in coco["annotations"] if not a["ignore"]]
    print(f"{args.out}: {len(images)} scenes, {len(boxes)} pedestrians, "
          f"{len(coco['annotations']) - len(boxes)} ignore regions")


if __name__ == "__main__":
    main()

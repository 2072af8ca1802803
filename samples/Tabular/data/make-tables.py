#!/usr/bin/env python3
"""Writes the tabular sample: a fraud-style table with features on very different scales.

Seeded and pure Python (no third-party package), so the files are the same on every machine:
  golden.csv.gz                 1,500 verified clean rows (the golden set)
  training.csv.gz               10,000 training rows, clean labels
  training-random-flips.csv.gz  the same rows, 10 % of labels flipped to another class at random
  training-relabelled.csv.gz    the same rows, 600 rows of class 0 ("legitimate") labelled 3 ("fraud")
  poisoned-rows.csv             which rows each poisoned file changed (variant,row,clean_label,given_label)

`make-tables.py --training-rows 60000 --out DIR` writes the same kind of files, larger, elsewhere
(the benchmark's tables; the relabelled rows stay 6 % of the training rows).

Each row has an id (tx-100000 on for training rows, gold-100000 on for golden ones), 24 numeric features and a label (4 classes, priors 45/30/15/10 %). Eight latent factors
per row are drawn around its class's centre; twelve features are linear or nonlinear mixtures of
two factors (some heavy-tailed: exponentials of a factor), eight are noise, two are counts, one is
a 0/1 flag and one is constant. Every feature is then scaled by a factor drawn log-uniformly from
0.01 to 1,000 and offset by up to +-500, as raw business columns are.
"""
import argparse
import gzip
import math
import os
import random

SEED = 20261206
CLASSES = 4
PRIORS = [0.45, 0.30, 0.15, 0.10]
LATENT = 8
TRAINING_ROWS, GOLDEN_ROWS = 10_000, 1_500
RANDOM_FLIP_SHARE = 0.10
RELABELLED_ROWS, RELABELLED_FROM, RELABELLED_AS = 600, 0, 3

rng = random.Random(SEED)
centres = [[rng.gauss(0, 1.4) for _ in range(LATENT)] for _ in range(CLASSES)]
mixtures = [(rng.randrange(LATENT), rng.randrange(LATENT), rng.uniform(-1, 1), kind)
            for kind in ["linear"] * 6 + ["product"] * 3 + ["exponential"] * 3]
scales = [math.exp(rng.uniform(math.log(0.01), math.log(1000))) for _ in range(24)]
offsets = [rng.uniform(-500, 500) for _ in range(24)]


def draw_row(label):
    z = [c + rng.gauss(0, 1) for c in centres[label]]
    values = []
    for a, b, weight, kind in mixtures:
        if kind == "linear":
            values.append(z[a] + weight * z[b])
        elif kind == "product":
            values.append(z[a] * (1 + 0.5 * weight * z[b]))
        else:
            values.append(math.exp(0.6 * z[a]) + 0.3 * weight * z[b])
    values += [rng.gauss(0, 1) for _ in range(6)]
    values += [math.exp(rng.gauss(0, 1)) for _ in range(2)]
    values += [float(sum(1 for _ in range(20) if rng.random() < 1 / (1 + math.exp(-0.5 * z[k])))) for k in (0, 1)]
    values.append(1.0 if z[2] + rng.gauss(0, 1) > 0 else 0.0)
    values.append(1.0)
    return [v * s + o for v, s, o in zip(values, scales, offsets)]


def draw_label():
    u, total = rng.random(), 0.0
    for label, prior in enumerate(PRIORS):
        total += prior
        if u < total:
            return label
    return CLASSES - 1


def rows(count):
    labels = [draw_label() for _ in range(count)]
    return [draw_row(label) for label in labels], labels


def write(name, prefix, features, labels):
    header = ",".join(["id"] + [f"f{j + 1}" for j in range(24)] + ["label"])
    lines = [header] + [f"{prefix}-{100000 + n}," + ",".join(f"{v:.6g}" for v in row) + f",{label}"
                        for n, (row, label) in enumerate(zip(features, labels))]
    with open(name, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as out:
        out.write(("\n".join(lines) + "\n").encode())


def main():
    parser = argparse.ArgumentParser(description="Writes the tabular sample's data.")
    parser.add_argument("--training-rows", type=int, default=TRAINING_ROWS)
    parser.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    os.chdir(args.out)
    golden, golden_labels = rows(GOLDEN_ROWS * args.training_rows // TRAINING_ROWS)
    training, labels = rows(args.training_rows)
    write("golden.csv.gz", "gold", golden, golden_labels)
    write("training.csv.gz", "tx", training, labels)

    changes = []
    flipped = sorted(rng.sample(range(args.training_rows), int(RANDOM_FLIP_SHARE * args.training_rows)))
    random_labels = list(labels)
    for row in flipped:
        random_labels[row] = (labels[row] + 1 + rng.randrange(CLASSES - 1)) % CLASSES
        changes.append(("random-flips", row, labels[row], random_labels[row]))
    write("training-random-flips.csv.gz", "tx", training, random_labels)

    candidates = [row for row, label in enumerate(labels) if label == RELABELLED_FROM]
    relabelled = sorted(rng.sample(candidates, RELABELLED_ROWS * args.training_rows // TRAINING_ROWS))
    targeted_labels = list(labels)
    for row in relabelled:
        targeted_labels[row] = RELABELLED_AS
        changes.append(("relabelled", row, RELABELLED_FROM, RELABELLED_AS))
    write("training-relabelled.csv.gz", "tx", training, targeted_labels)

    with open("poisoned-rows.csv", "w") as out:
        out.write("variant,row,clean_label,given_label\n")
        out.writelines(f"{v},{r},{c},{g}\n" for v, r, c, g in changes)


if __name__ == "__main__":
    main()

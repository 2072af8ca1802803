#!/usr/bin/env bash
# Benchmarks under bench/: figures are ratios against a reference measured in the same run.
#   bash bench/run-bench.sh poisoning     # 60,000 x 784 Fashion-MNIST rows vs 10,000 golden rows
#   bash bench/run-bench.sh poisoning-tables # 60,000 x 24 tabular rows (the tabular sample's generator) vs 9,000 golden rows
#   bash bench/run-bench.sh attacks       # FGSM, PGD-10, DeepFool against PyTorch; APGD beside PGD; ensemble against separate attacks
#   bash bench/run-bench.sh default-policy # init's policy evaluated on 1,000 images against PGD-10 alone (target: at most 3x)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
need=()
# The tabular benchmark needs only Python itself (its generator is pure Python); the others read
# Fashion-MNIST and compare with PyTorch.
if [ "${1:-poisoning}" != poisoning-tables ]; then
  [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || need+=(dataset-fashion-mnist)
  /usr/bin/python3 -c "import torch" 2>/dev/null || need+=(python3-torch)
fi
[ -x /usr/bin/python3 ] || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}" >&2
  apt-get update -qq && apt-get install -y -qq "${need[@]}"
fi
dotnet run -c Release --project bench/SecMLOps.Gates.Bench -- "${@:-poisoning}"

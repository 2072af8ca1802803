#!/usr/bin/env bash
# Benchmarks under bench/: figures are ratios against a reference measured in the same run.
#   bash bench/run-bench.sh poisoning     # 60,000 x 784 Fashion-MNIST rows vs 10,000 golden rows
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  echo "installing Debian's dataset-fashion-mnist" >&2
  apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist
fi
dotnet run -c Release --project bench/SecMLOps.Gates.Bench -- "${@:-poisoning}"

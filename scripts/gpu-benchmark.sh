#!/usr/bin/env bash
# Stages the CLI for a CUDA host that has PyTorch (CUDA 13) but no .NET, as ../shared/gpu/stage.sh
# describes, and prints the commands that run the GPU benchmark and a short accuracy run there.
#
#   scripts/gpu-benchmark.sh [STAGE_DIR] [--tests]   (default .gpu; keep it in .git/info/exclude)
#   --tests stages the xunit test assembly instead of the CLI
#
# On the GPU host (the staged folder travels with the working tree):
#   bash .gpu/base/run.sh dotnet vaetoolkit.dll benchmark --config configs/bench-ml20m-shape.yaml --device cuda --precision bf16 --epochs 6
#   bash .gpu/base/run.sh dotnet vaetoolkit.dll benchmark --config configs/bench-ml20m-shape.yaml --device cuda --precision tf32 --epochs 6
#   bash .gpu/base/run.sh dotnet vaetoolkit.dll benchmark --config configs/bench-ml20m-shape.yaml --device cuda --precision fp32 --epochs 30
#   bash .gpu/base/run.sh dotnet vaetoolkit.dll benchmark --config configs/bench-ml20m-shape.yaml --device cuda --precision bf16 --epochs 30
#   bash .gpu/base/run.sh dotnet VaeToolkit.Tests.dll -class VaeToolkit.Tests.Training.GpuTrainingTests   (staged with --tests)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
stage=.gpu project=src/VaeToolkit.Cli
for a in "$@"; do case $a in --tests) project=tests/VaeToolkit.Tests ;; *) stage=$a ;; esac; done
publish=$(mktemp -d)
dotnet publish "$root/$project" -c Release -r linux-x64 --self-contained false -o "$publish" -v quiet
mkdir -p "$publish/configs" && cp "$root"/configs/*.yaml "$publish/configs/"
bash "$root/../shared/gpu/stage.sh" "$publish" "$stage"
rm -rf "$publish"
echo "staged into $stage; see the header of $0 for the commands to run on the GPU host"

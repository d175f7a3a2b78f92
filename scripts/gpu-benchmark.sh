#!/usr/bin/env bash
# Stages the xunit test assembly, which carries the CLI too, for a CUDA host that has PyTorch (CUDA 13)
# but no .NET, as ../shared/gpu/stage.sh describes, plus ASP.NET Core (scripts/gpu-stage-aspnet.sh); it travels in one call.
#
#   scripts/gpu-benchmark.sh [STAGE_DIR]      (default .gpu; keep it in .git/info/exclude)
#
# Then on the GPU host, from the repository root (the staged folder travels with the working tree):
#   bash .gpu/base/run.sh bash "$PWD/bench/gpu-suite.sh"
# runs the GPU tests, the benchmarks at ML-20M shape in every precision, a CUDA quickstart run and the
# PyTorch reference figures; see bench/gpu-suite.sh. Single commands work too, in the staged folder:
#   bash .gpu/base/run.sh dotnet VaeToolkit.Tests.dll -class VaeToolkit.Tests.Training.GpuTrainingTests
#   bash .gpu/base/run.sh dotnet exec --depsfile VaeToolkit.Tests.deps.json --runtimeconfig VaeToolkit.Tests.runtimeconfig.json \
#       vaetoolkit.dll benchmark --config configs/bench-ml20m-shape.yaml --device cuda --precision bf16 --epochs 6
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
stage=${1:-.gpu}
publish=$(mktemp -d)
dotnet publish "$root/tests/VaeToolkit.Tests" -c Release -r linux-x64 --self-contained false -o "$publish" -v quiet
mkdir -p "$publish/configs" && cp "$root"/configs/*.yaml "$publish/configs/"
bash "$root/../shared/gpu/stage.sh" "$publish" "$stage"
# ...with ASP.NET Core, which the test assembly needs to start (the service is one of its references).
bash "$root/scripts/gpu-stage-aspnet.sh" "$stage"
rm -rf "$publish"
echo "staged into $stage; run: bash $stage/base/run.sh bash \"\$PWD/bench/gpu-suite.sh\""

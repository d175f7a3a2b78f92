#!/usr/bin/env bash
# Stages the xunit test assembly (which carries the CLI) built against ONNX Runtime's CUDA build, for the
# ONNX Runtime CUDA scoring checks on a lent GPU host (PyTorch with CUDA 13, no .NET):
#
#   scripts/gpu-scoring.sh [STAGE_DIR]      (default .gpu-ort, ignored by git)
#
# The CUDA build of ONNX Runtime is too large for one device call (its CUDA provider is ~190 MB compressed),
# so ../shared/gpu/stage.sh --ort-cuda splits it into STAGE_DIR/ort1..ortN. On the host, one call per part
# (carry: STAGE_DIR/ortK), each within 30 s of the last so that the machine stays warm:
#   bash STAGE_DIR/ortK/put.sh
# then one call (carry: STAGE_DIR/base), from the repository root:
#   bash STAGE_DIR/base/run.sh bash "$PWD/bench/gpu-scoring-suite.sh"
# The build runs in a copy of the sources, so the working tree's own build outputs (CPU ONNX Runtime) stay as they are.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
stage=${1:-.gpu-ort}
copy=$(mktemp -d) publish=$(mktemp -d)
trap 'rm -rf "$copy" "$publish"' EXIT
tar -C "$root" --exclude=./.git --exclude='./.gpu*' --exclude=bin --exclude=obj --exclude=./out --exclude=./runs -cf - . | tar -C "$copy" -xf -
dotnet publish "$copy/tests/VaeToolkit.Tests" -c Release -r linux-x64 --self-contained false -p:OnnxRuntimeBackend=cuda -o "$publish" -v quiet
mkdir -p "$publish/configs" && cp "$root"/configs/*.yaml "$publish/configs/"
# The base part travels with the working tree in one call of at most 64 MiB: no symbols, no translated messages.
find "$publish" -name '*.pdb' -delete
find "$publish" -mindepth 2 -name '*.resources.dll' -delete
find "$publish" -type d -empty -delete
bash "$root/../shared/gpu/stage.sh" "$publish" "$stage" --ort-cuda
# ...with ASP.NET Core, which the test assembly needs to start, and the app compressed to make room for it.
bash "$root/scripts/gpu-stage-aspnet.sh" "$stage"
echo "staged into $stage: put each $stage/ortK (bash $stage/ortK/put.sh), then: bash $stage/base/run.sh bash \"\$PWD/bench/gpu-scoring-suite.sh\""

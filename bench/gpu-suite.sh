#!/usr/bin/env bash
# Every GPU check and figure of the CUDA work in one go, for a lent GPU host that has PyTorch (CUDA 13)
# but no .NET. Stage first with scripts/gpu-benchmark.sh (the xunit assembly, which carries the CLI),
# then on the host, from the repository root:
#   bash .gpu/base/run.sh bash "$PWD/bench/gpu-suite.sh" [LOG_DIR]      (LOG_DIR defaults to $OUT)
# run.sh starts this in the staged app folder. Each step has its own time limit and a failing step does
# not stop the rest; steps that would run past SUITE_SECONDS (default 500) are cut short or skipped, so
# the summary is always written within the device call's limit. Everything goes to LOG_DIR/suite.log, the benchmark reports (one JSON object per
# line) to LOG_DIR/benchmarks.jsonl, and a summary table ends the output.
set -u
out=${1:-${OUT:-/tmp/vae-gpu-out}}
mkdir -p "$out" /tmp/vae-gpu
log=$out/suite.log
repo=$(cd "$(dirname "$0")/.." && pwd)
deadline=${SUITE_SECONDS:-500}
source "$repo/bench/suite-common.sh"

# benchmark PRECISION EPOCHS [OPTION...]: one CLI benchmark at ML-20M shape; its JSON report goes to
# benchmarks.jsonl.
benchmark() {
  local json=/tmp/vae-gpu/bench.json
  rm -f "$json"
  step "benchmark $1 x $2 epochs ${*:3}" 150 bash -c '"${@:2}" > "$1"' _ "$json" "${cli[@]}" benchmark \
    --config configs/bench-ml20m-shape.yaml --device cuda --precision "$1" --epochs "$2" "${@:3}"
  [ -s "$json" ] && { tr -d '\n' <"$json"; echo; } >>"$out/benchmarks.jsonl"
}

step nvidia-smi 20 nvidia-smi --query-gpu=name,memory.total,memory.used,driver_version,clocks.sm,clocks.max.sm --format=csv
fused=(--set training.fused_kernels=true)
# The target figures first (fused kernels that fail their self-test fall back, and the report says why),
# then libtorch's for comparison, then the tests, then the accuracy pair and the rest.
benchmark bf16 8 "${fused[@]}"
benchmark tf32 10 "${fused[@]}"
benchmark bf16 8
benchmark tf32 10
step gpu-tests 240 dotnet VaeToolkit.Tests.dll -class VaeToolkit.Tests.Training.GpuTrainingTests -class VaeToolkit.Tests.Training.FusedKernelTests
benchmark bf16 30 "${fused[@]}"
benchmark fp32 30 "${fused[@]}"
benchmark fp16 8 "${fused[@]}"
rm -rf /tmp/vae-gpu/quickstart
step quickstart-train 120 "${cli[@]}" train --config configs/quickstart.yaml --device cuda --output /tmp/vae-gpu/quickstart
step quickstart-test 120 "${cli[@]}" test --model /tmp/vae-gpu/quickstart
# PyTorch finds its own CUDA libraries; the app folder on LD_LIBRARY_PATH is not for it.
step pytorch-reference 150 env -u LD_LIBRARY_PATH PYTHONUNBUFFERED=1 python3 "$repo/bench/pytorch_reference.py" --epochs 3 --variants dense,sparse-lsm-pad,coo-lsm-pad,csr-lsm-pad

# The C# trainer's kernels (fused path, bf16) over ~2.5 steps after ~8 warm ones, each timed alone by
# Nsight Compute.
step ncu-kernels 240 ncu --clock-control none --metrics gpu__time_duration.sum --launch-skip 1000 --launch-count 300 \
  --csv --log-file "$out/ncu-bf16.csv" "${cli[@]}" benchmark --config configs/bench-ml20m-shape.yaml --device cuda --precision bf16 --epochs 3 "${fused[@]}"
[ -s "$out/ncu-bf16.csv" ] && python3 - "$out/ncu-bf16.csv" <<'PY' | tee -a "$log"
import csv, collections, sys
scale = {"nsecond": 1e-3, "usecond": 1.0, "msecond": 1e3}
lines = open(sys.argv[1]).read().splitlines()
rows = csv.DictReader(lines[next(i for i, l in enumerate(lines) if l.startswith('"ID"')):])
total, calls = collections.Counter(), collections.Counter()
for r in rows:
    if r["Metric Name"] == "gpu__time_duration.sum":
        name = r["Kernel Name"][:90]
        total[name] += float(r["Metric Value"].replace(",", "")) * scale.get(r["Metric Unit"], 1.0)
        calls[name] += 1
print(f"ncu: {sum(calls.values())} kernels, {sum(total.values()) / 1000:.2f} ms in all")
for name, us in total.most_common(20):
    print(f"{us / 1000:8.3f} ms {calls[name]:4} x  {name}")
PY

echo "== summary" | tee -a "$log"
grep -E "Total:|\[FAIL\]" "$log" | sed 's/\x1b\[[0-9;]*m//g' | tee -a "$log"
grep -E "users/s|failed:" "$log" | grep -v '^==' | tee -a /dev/null
[ -s "$out/benchmarks.jsonl" ] && python3 - "$out/benchmarks.jsonl" <<'PY' | tee -a "$log"
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(f"{r['precision']:5} {r['kernels'][:20]:20} {r['epochs']:3} epochs  epoch {r['mean_epoch_seconds']:.3f} s (issued in {r['mean_issue_seconds']:.3f} s)  train {r['train_users_per_s']:12,.0f} users/s  "
          f"validation {r['validation_users_per_s']:12,.0f} users/s  best NDCG@100 {r['best_validation_ndcg_at100']:.4f}  {r['device_name']}")
    if len(r['kernels']) > 20: print(f"      kernels: {r['kernels']}")
    print("      step ms: " + "  ".join(f"{k} {v:.2f}" for k, v in r.get('mean_step_ms_by_phase', {}).items()))
    print("      validation ms: " + "  ".join(f"{k} {v:.1f}" for k, v in r.get('mean_validation_ms_by_phase', {}).items()))
PY
true

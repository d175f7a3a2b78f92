#!/usr/bin/env bash
# ONNX Runtime's CUDA execution provider on a lent GPU host, in one go (issue 13's GPU half): stage with
# scripts/gpu-scoring.sh (the test assembly built against ONNX Runtime's CUDA build, which carries the CLI),
# put its parts on the host, then from the repository root:
#   bash .gpu-ort/base/run.sh bash "$PWD/bench/gpu-scoring-suite.sh" [LOG_DIR]      (LOG_DIR defaults to $OUT)
# Steps: the CUDA scoring tests (ONNX Runtime on CUDA against the reference network and against libtorch);
# a model of ML-20M's shape trained on the GPU; benchmark-scoring on CUDA (ONNX Runtime against libtorch's
# validation path and dense pass, same device) at the GPU-sized default batch, at 1,000 and at 50,000 users a
# call, and through IOBinding beside the plain run; the same model's test users through `vaetoolkit test --device cuda`. Then issue 15's models on the GPU:
# EASE and RecVAE trained with `device: cuda` on the quickstart data (their CPU figures for the same seed are
# in bench/NOTES.md, to compare); and TensorBoard (installed there) reading the RecVAE run's event files. Each step has its own limit and
# a failing one does not stop the rest; all of it ends within SUITE_SECONDS (default 420). The log goes to
# LOG_DIR/scoring.log, the benchmark reports (one JSON object per line) to LOG_DIR/scoring.jsonl, and a
# summary ends the output. DEVICE=cpu runs the same steps on the CPU (to try the script without a GPU).
set -u
out=${1:-${OUT:-/tmp/vae-gpu-out}}
mkdir -p "$out" /tmp/vae-gpu
repo=$(cd "$(dirname "$0")/.." && pwd)
log=$out/scoring.log
device=${DEVICE:-cuda}
users=${SCORING_USERS:-200000}
model=/tmp/vae-gpu/scoring-model
deadline=${SUITE_SECONDS:-420}
source "$repo/bench/suite-common.sh"

# scoring NAME [OPTION...]: benchmark-scoring of the model on the device; its JSON report goes to scoring.jsonl.
scoring() {
  local json=/tmp/vae-gpu/scoring.json name=$1; shift
  rm -f "$json"
  step "benchmark-scoring $name" 120 bash -c '"${@:2}" > "$1"' _ "$json" "${cli[@]}" benchmark-scoring \
    --model "$model" --device "$device" --users "$users" "$@"
  [ -s "$json" ] && { tr -d '\n' <"$json"; echo; } >>"$out/scoring.jsonl"
}

[ "$device" = cpu ] || step nvidia-smi 20 nvidia-smi --query-gpu=name,memory.total,memory.used,driver_version --format=csv
step scoring-tests 120 dotnet VaeToolkit.Tests.dll -class VaeToolkit.Tests.Inference.OnnxRecommenderTests -class VaeToolkit.Tests.Scoring.ScoringBenchmarkTests
rm -rf "$model"
step train 150 "${cli[@]}" train --config configs/bench-ml20m-shape.yaml --device "$device" --output "$model" \
  --set data.synthetic.users=32000 --set training.epochs=1 --set evaluation.metrics=[ndcg@100]
if [ -d "$model/model" ]; then
  scoring default
  scoring batch-1000 --batch 1000
  scoring batch-50000 --batch 50000
  # IOBinding (page-locked inputs and outputs) against the plain run, at the default batch: its own step, so
  # that a failure of the untried pinned allocator costs none of the figures above.
  scoring io-binding --io-binding
  step test 90 "${cli[@]}" test --model "$model" --device "$device" --no-baseline
fi

for type in ease recvae; do
  rm -rf "/tmp/vae-gpu/quickstart-$type"
  step "quickstart-$type" 120 "${cli[@]}" train --config configs/quickstart.yaml --device "$device" --output "/tmp/vae-gpu/quickstart-$type" \
    --set model.type=$type --set training.epochs=10
done

# TensorBoard itself (installed beside PyTorch there, not here) reads a run's event files: the loss and
# validation NDCG@100 it sees must be the manifest's, epoch by epoch.
cat > /tmp/vae-gpu/tensorboard_check.py <<'PY'
import json, math, os, sys
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
run = sys.argv[1]
history = json.load(open(os.path.join(run, "manifest.json")))["history"]
events = EventAccumulator(os.path.join(run, "tensorboard"), size_guidance={"scalars": 0})
events.Reload()
tags = events.Tags()["scalars"]
print(f"tensorboard: {len(tags)} scalar tags: {', '.join(sorted(tags))}")
bad = 0
for tag, key in [("train/loss", "loss"), ("validation/ndcg_at_100", "validation_ndcg_at100")]:
    seen = {e.step: e.value for e in events.Scalars(tag)}
    want = {h["epoch"]: h[key] for h in history if h.get(key) is not None}
    bad += sum(1 for epoch, value in want.items() if not math.isclose(seen.get(epoch, math.nan), value, rel_tol=1e-6))
    print(f"tensorboard: {tag}: {len(seen)} steps, manifest {len(want)} epochs")
print(f"tensorboard: {'agrees with the manifest' if bad == 0 else f'{bad} values differ from the manifest'}")
sys.exit(1 if bad else 0)
PY
step tensorboard-reads-events 60 env -u LD_LIBRARY_PATH python3 /tmp/vae-gpu/tensorboard_check.py /tmp/vae-gpu/quickstart-recvae

echo "== summary" | tee -a "$log"
grep -E "Total:|\[FAIL\]|CUDA was asked|exit [1-9]|^tensorboard: " "$log" | sed 's/\x1b\[[0-9;]*m//g' | tee -a "$log"
python3 - "$model" /tmp/vae-gpu/quickstart-ease /tmp/vae-gpu/quickstart-recvae <<'PY' | tee -a "$log"
import json, os, sys
for run in sys.argv[1:]:
    path = os.path.join(run, "manifest.json")
    if not os.path.exists(path): print(f"{run}: no manifest"); continue
    m = json.load(open(path)); t = m.get("test") or {}
    print(f"{os.path.basename(run):18} {m['device']:6} best epoch {m.get('best_epoch')}  validation NDCG@100 {m.get('best_validation_ndcg_at100') or 0:.4f}  "
          f"test NDCG@100 {t.get('ndcg_at100', 0):.4f}  train {m['timings_seconds'].get('train', 0):.1f} s")
PY
[ -s "$out/scoring.jsonl" ] && python3 - "$out/scoring.jsonl" <<'PY' | tee -a "$log"
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(f"{r['device']:6} batch {r['batch_size']:6}  ONNX Runtime {r['engine_users_per_second']:12,.0f} users/s  "
          f"libtorch validation path {r['validation_path_users_per_second']:12,.0f}  dense {r['baseline_users_per_second']:12,.0f}  "
          f"ratio {r['engine_to_validation_path']:.2f} / {r['engine_to_baseline']:.2f}  top-k agreement {r['top_k_agreement']:.3f}")
PY
true

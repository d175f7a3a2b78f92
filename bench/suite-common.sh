# What the GPU suites (bench/gpu-suite.sh, bench/gpu-scoring-suite.sh) share; sourced after they set
# `log` (the log file), `deadline` (seconds from the suite's start by which every step must end) and
# `cli` (the CLI command in the staged test folder).
export XDG_CACHE_HOME=${XDG_CACHE_HOME:-/tmp/vae-gpu/cache}
# The test assembly's dependency manifest describes the staged linux-x64 folder, the CLI's own does not.
cli=(dotnet exec --depsfile VaeToolkit.Tests.deps.json --runtimeconfig VaeToolkit.Tests.runtimeconfig.json vaetoolkit.dll)

# step NAME SECONDS COMMAND...: runs COMMAND with its output in the log, and notes its exit code and time.
# The limit shrinks to what is left before the deadline; with under 20 s left the step is skipped.
step() {
  local name=$1 limit=$2 began=$SECONDS rc; shift 2
  local left=$((deadline - SECONDS))
  if [ "$left" -lt 20 ]; then echo "== $name: skipped, $left s left of SUITE_SECONDS=$deadline" | tee -a "$log"; return 0; fi
  [ "$limit" -gt "$left" ] && limit=$left
  echo "== $name: $*" >>"$log"
  timeout "$limit" "$@" >>"$log" 2>&1
  rc=$?
  echo "== $name: exit $rc after $((SECONDS - began)) s" | tee -a "$log"
}

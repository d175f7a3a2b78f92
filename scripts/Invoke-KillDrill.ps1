#!/usr/bin/env pwsh
<#
.SYNOPSIS
    The kill -9 drill: trains a config while killing the training process with SIGKILL at seeded random
    moments, resumes after each kill, and checks that the run it ends with equals an uninterrupted one.
.DESCRIPTION
    Trains -Config once without interruption (the reference), then again into another folder: each
    attempt starts `vaetoolkit train --resume` (the first without --resume) and kills it after a random
    delay drawn with -Seed, until -Kills kills have landed, followed by the fixed kills of the fail points (inside a
    checkpoint write, before a checkpoint's rename, at export, inside export, inside the model folder's swap,
    at evaluation, inside the
    final manifest write). A last resumption finishes the run. It then compares the best epoch, every
    epoch's loss and validation NDCG, the test metrics and the SHA-256 of the exported ONNX graphs with
    the reference's, and prints kills, resumes and differences (which must be 0). On the CPU runs are
    deterministic, so the comparison is exact.
.EXAMPLE
    ./build.ps1 build; ./scripts/Invoke-KillDrill.ps1 -Kills 20 -Seed 1
.EXAMPLE
    ./scripts/Invoke-KillDrill.ps1 -Config configs/ml-latest-small.yaml -Kills 30 -Seed 7 -MaxDelaySeconds 20
#>
[CmdletBinding()]
param(
    [string] $Config = (Join-Path $PSScriptRoot '../configs/quickstart.yaml'),
    [string[]] $Set = @('training.epochs=40', 'training.checkpoint_step=1', 'training.threads=1'),
    [int] $Kills = 20,
    [int] $Seed = 1,
    [double] $MinDelaySeconds = 0.3,
    [double] $MaxDelaySeconds = 5,
    [string] $WorkPath = (Join-Path ([IO.Path]::GetTempPath()) "vaetoolkit-kill-drill-$([guid]::NewGuid().ToString('N').Substring(0, 8))"),
    [string] $Cli = (Join-Path $PSScriptRoot '../src/VaeToolkit.Cli/bin/Release/net10.0/vaetoolkit.dll')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
if (-not (Test-Path $Cli)) { throw "$Cli is missing: run ./build.ps1 build first" }
$Config = (Resolve-Path $Config).Path
$overrides = @($Set | ForEach-Object { '--set'; $_ })

function Start-Training([string] $output, [bool] $resume, [string] $failPoint = '') {
    $start = [Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @($Cli, 'train', '--config', $Config, '--output', $output) + $overrides + $(if ($resume) { '--resume' } else { @() })) { $start.ArgumentList.Add($a) }
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $start.Environment['VAETOOLKIT_FAILPOINT'] = $failPoint
    $process = [Diagnostics.Process]::Start($start)
    [pscustomobject]@{ Process = $process; Output = $process.StandardOutput.ReadToEndAsync(); Error = $process.StandardError.ReadToEndAsync() }
}

function Wait-Training($training) {
    $training.Process.WaitForExit()
    [pscustomobject]@{ ExitCode = $training.Process.ExitCode; Error = $training.Error.Result }
}

function Get-Stage([string] $log) {
    $last = ($log -split "`n" | Where-Object { $_.Trim() } | Select-Object -Last 1)
    switch -Regex ($last) {
        '^epoch\s+(\d+)' { "after epoch $($Matches[1])"; break }
        '^Training' { "a session's first epoch"; break }
        '^Exporting' { 'export'; break }
        '^Evaluating' { 'evaluation'; break }
        'VAETOOLKIT_FAILPOINT' { $last -replace '.*at ', 'fail point '; break }
        '^(Preparing|Loaded|Reading|Removed)' { 'data preparation'; break }
        default { 'start-up' }
    }
}

New-Item -ItemType Directory -Force $WorkPath | Out-Null
$reference = Join-Path $WorkPath 'reference'
$watch = [Diagnostics.Stopwatch]::StartNew()
$done = Wait-Training (Start-Training $reference $false)
if ($done.ExitCode -ne 0) { throw "the reference run failed: $($done.Error)" }
Write-Host ("Reference run: {0:F1} s" -f $watch.Elapsed.TotalSeconds)

$run = Join-Path $WorkPath 'killed'
$random = [Random]::new($Seed)
$killed = 0; $resumes = 0; $finishedEarly = 0
$stages = [Collections.Generic.List[string]]::new()
# Attempts go on until -Kills kills have landed: one that ends before its kill moment (the run, or a
# resumption of the finished run, was quicker) is counted as finished early.
for ($i = 0; $killed -lt $Kills -and $i -lt 4 * $Kills; $i++) {
    $delay = $MinDelaySeconds + $random.NextDouble() * ($MaxDelaySeconds - $MinDelaySeconds)
    $training = Start-Training $run ($i -gt 0)
    if ($i -gt 0) { $resumes++ }
    if ($training.Process.WaitForExit([int]($delay * 1000))) {
        $finishedEarly++ # it finished (or failed) before its kill: the next attempt resumes a finished run
        $result = Wait-Training $training
        if ($result.ExitCode -ne 0) { throw "attempt $i failed on its own (exit $($result.ExitCode)): $($result.Error)" }
        continue
    }
    $training.Process.Kill() # SIGKILL
    $result = Wait-Training $training
    $killed++
    $stages.Add((Get-Stage $result.Error))
}
$failPoints = 'write:last.ckpt', 'rename:last.ckpt@2', 'export', 'rename:recommender.onnx', 'swap:model', 'evaluate', 'write:manifest.json@2'
foreach ($point in $failPoints) {
    $result = Wait-Training (Start-Training $run $true $point)
    $resumes++
    if ($result.ExitCode -eq 137) { $killed++; $stages.Add("fail point $point") }
    elseif ($result.ExitCode -ne 0) { throw "resumption with fail point $point failed (exit $($result.ExitCode)): $($result.Error)" }
}
$final = Wait-Training (Start-Training $run $true)
$resumes++
if ($final.ExitCode -ne 0) { throw "the final resumption failed (exit $($final.ExitCode)): $($final.Error)" }

$expected = Get-Content (Join-Path $reference 'manifest.json') -Raw | ConvertFrom-Json
$actual = Get-Content (Join-Path $run 'manifest.json') -Raw | ConvertFrom-Json
$differences = [Collections.Generic.List[string]]::new()
if ($actual.status -ne 'completed') { $differences.Add("status $($actual.status)") }
if ($expected.best_epoch -ne $actual.best_epoch) { $differences.Add("best epoch $($actual.best_epoch), expected $($expected.best_epoch)") }
$epochs = [Math]::Max(@($expected.history).Count, @($actual.history).Count)
for ($e = 0; $e -lt $epochs; $e++) {
    $x = @($expected.history)[$e]; $y = @($actual.history)[$e]
    if ($null -eq $x -or $null -eq $y -or $x.loss -ne $y.loss -or $x.validation_ndcg_at100 -ne $y.validation_ndcg_at100) { $differences.Add("epoch $($e + 1)") }
}
foreach ($metric in 'ndcg_at100', 'recall_at20', 'recall_at50', 'users') {
    if ($expected.test.$metric -ne $actual.test.$metric) { $differences.Add("test $metric $($actual.test.$metric), expected $($expected.test.$metric)") }
}
foreach ($graph in 'recommender.onnx', 'encoder.onnx') {
    if ((Get-FileHash (Join-Path $reference "model/$graph")).Hash -ne (Get-FileHash (Join-Path $run "model/$graph")).Hash) { $differences.Add("model/$graph differs") }
}
$temporary = @(Get-ChildItem $run -Recurse -File | Where-Object Name -Match '\.tmp-\d+-[0-9a-f]{32}$')
if ($temporary.Count -gt 0) { $differences.Add("$($temporary.Count) temporary file(s) left") }

Write-Host "Kill moments: $(($stages | Group-Object | Sort-Object Count -Descending | ForEach-Object { "$($_.Count) $($_.Name)" }) -join ', ')"
[pscustomobject]@{
    Kills          = $killed
    Resumes        = $resumes
    FinishedEarly  = $finishedEarly
    Sessions       = @($actual.sessions).Count
    BestEpoch      = $actual.best_epoch
    TestNdcgAt100  = $actual.test.ndcg_at100
    Differences    = $differences.Count
    Details        = $differences -join '; '
    Seconds        = [Math]::Round($watch.Elapsed.TotalSeconds, 1)
    WorkPath       = $WorkPath
}
if ($differences.Count -gt 0) { Write-Error "the resumed run differs from the uninterrupted one: $($differences -join '; ')" }

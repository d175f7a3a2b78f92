#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Retrains a model and promotes it to the serving folder when it is good enough (for a nightly job).
.DESCRIPTION
    Trains -Config into a new run directory under -RunsPath, evaluates the exported model with ONNX
    Runtime, and promotes its model directory to -DeployPath when
      - it beats the popularity baseline's NDCG@100 by at least -MinimumLift (relative), and
      - it is not worse than the model being served (by the NDCG@100 it recorded when it was
        promoted) by more than -Tolerance.
    Promotion copies the model next to -DeployPath under a temporary name and renames it into place;
    the model it replaces is kept as <DeployPath>.previous. Nothing is written with -WhatIf.
.EXAMPLE
    ./scripts/Update-VaeModel.ps1 -Config configs/ml-latest-small.yaml -RunsPath runs -DeployPath serving/current
.EXAMPLE
    ./scripts/Update-VaeModel.ps1 -Config configs/ml20m.yaml -DeployPath /srv/vae/current -Set device=cuda -Verbose
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory)] [string] $Config,
    [Parameter(Mandatory)] [string] $DeployPath,
    [string] $RunsPath = 'runs',
    [string[]] $Set = @(),
    [double] $MinimumLift = 0.05,
    [double] $Tolerance = 0.005,
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/VaeToolkit/VaeToolkit.psd1')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
if (-not (Get-Module VaeToolkit)) { Import-Module $ModulePath }

$DeployPath = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($DeployPath)
$runStem = Join-Path $RunsPath "$([IO.Path]::GetFileNameWithoutExtension($Config))-$(Get-Date -AsUTC -Format 'yyyyMMdd-HHmmss')"
$runPath = $runStem
for ($n = 2; Test-Path $runPath; $n++) { $runPath = "$runStem-$n" } # a second run within the same second
if (-not $PSCmdlet.ShouldProcess($DeployPath, "Train '$Config' into $runPath and promote the model if it is good enough")) { return }

$run = Invoke-VaeTraining -Config $Config -OutputPath $runPath -Set $Set
$evaluation = $run | Test-VaeModel
$served = Join-Path $DeployPath 'promotion.json'
$servedNdcg = if (Test-Path $served) { (Get-Content $served -Raw | ConvertFrom-Json).ndcg_at_100 } else { $null }

$reasons = @()
if ($evaluation.NdcgAt100 -lt (1 + $MinimumLift) * $evaluation.PopularityNdcgAt100) {
    $reasons += "NDCG@100 $($evaluation.NdcgAt100.ToString('F4')) does not beat popularity ($($evaluation.PopularityNdcgAt100.ToString('F4'))) by $($MinimumLift * 100)%"
}
if ($null -ne $servedNdcg -and $evaluation.NdcgAt100 -lt $servedNdcg - $Tolerance) {
    $reasons += "NDCG@100 $($evaluation.NdcgAt100.ToString('F4')) is below the served model's $(([double]$servedNdcg).ToString('F4'))"
}

if ($reasons.Count -eq 0) {
    $staging = "$DeployPath.new-$([guid]::NewGuid().ToString('N'))"
    Copy-Item -Path $run.ModelPath -Destination $staging -Recurse
    [ordered]@{ run_path = $run.RunPath; ndcg_at_100 = $evaluation.NdcgAt100; promoted_utc = (Get-Date -AsUTC).ToString('o') } |
        ConvertTo-Json | Set-Content (Join-Path $staging 'promotion.json')
    $previous = "$DeployPath.previous"
    if (Test-Path $DeployPath) {
        if (Test-Path $previous) { Remove-Item $previous -Recurse -Force }
        Move-Item $DeployPath $previous
    }
    Move-Item $staging $DeployPath
    Write-Verbose "Promoted $($run.ModelPath) to $DeployPath"
}
else {
    Write-Warning "Not promoted: $($reasons -join '; ')"
}

[pscustomobject]@{
    RunPath          = $run.RunPath
    NdcgAt100        = $evaluation.NdcgAt100
    PopularityNdcgAt100 = $evaluation.PopularityNdcgAt100
    ServedNdcgAt100  = $servedNdcg
    Promoted         = $reasons.Count -eq 0
    Reasons          = $reasons
    DeployPath       = $DeployPath
}

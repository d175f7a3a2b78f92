#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Trains every model type on one data set for several seeds and prints their test figures side by side:
    the mean and spread (sample standard deviation) over the seeds of NDCG@100, Recall@20, Recall@50 and
    training time, with the popularity baseline.
.DESCRIPTION
    For each seed, each model is trained with `vaetoolkit train --set seed=<seed>` into
    <WorkPath>/seed-<seed>/<model>; a run already completed there is kept, so an interrupted comparison
    continues where it stopped. A seed changes the split (which users are held out and which of their items
    are targets) as well as the initialisation, so the runs of one seed share their data and test users
    (`vaetoolkit compare` checks it) and the spread over seeds covers both. Prints a table, and -Json writes
    every run's figures too.
.EXAMPLE
    ./build.ps1 build; ./scripts/Compare-Models.ps1 -Seeds 1, 2, 3
.EXAMPLE
    ./scripts/Compare-Models.ps1 -Models ease, vae -Seeds 1 -WorkPath ./runs/compare -Set training.epochs=20
#>
[CmdletBinding()]
param(
    [int[]] $Seeds = @(1, 2, 3),
    [ValidateSet('vae', 'dae', 'ease', 'recvae')]
    [string[]] $Models = @('vae', 'dae', 'ease', 'recvae'),
    [string] $WorkPath = (Join-Path $PSScriptRoot '../runs/compare-models'),
    # Overrides applied to every run after the model's own (key=value), e.g. training.epochs=20.
    [string[]] $Set = @(),
    [string] $Json,
    [string] $Cli = (Join-Path $PSScriptRoot '../src/VaeToolkit.Cli/bin/Release/net10.0/vaetoolkit.dll')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
if (-not (Test-Path $Cli)) { throw "$Cli is missing: run ./build.ps1 build first" }
$configs = Join-Path $PSScriptRoot '../configs'
# Each model on ml-latest-small with the same data settings (the configs share their data section).
$recipes = @{
    vae    = @{ Config = 'ml-latest-small.yaml'; Set = @() }
    dae    = @{ Config = 'ml-latest-small.yaml'; Set = @('model.type=dae') }
    ease   = @{ Config = 'ml-latest-small-ease.yaml'; Set = @() }
    recvae = @{ Config = 'ml-latest-small-recvae.yaml'; Set = @() }
}

$runs = foreach ($seed in $Seeds) {
    foreach ($model in $Models) {
        $recipe = $recipes[$model]
        $output = Join-Path $WorkPath "seed-$seed/$model"
        $manifestPath = Join-Path $output 'manifest.json'
        $done = (Test-Path $manifestPath) -and (Get-Content -Raw $manifestPath | ConvertFrom-Json).status -eq 'completed'
        if (-not $done) {
            $arguments = @('train', '--config', (Join-Path $configs $recipe.Config), '--output', $output, '--set', "seed=$seed")
            if (Test-Path $output) { $arguments += '--resume' }
            foreach ($setting in @($recipe.Set) + $Set) { $arguments += @('--set', $setting) }
            Write-Host "seed $seed, $($model): training into $output"
            & dotnet $Cli @arguments 2>&1 | Where-Object { $_ -match '^(Training|Exporting|warning)' } | ForEach-Object { Write-Host "  $_" }
            if ($LASTEXITCODE -ne 0) { throw "training $model with seed $seed failed (exit $LASTEXITCODE)" }
        }
        $manifest = Get-Content -Raw $manifestPath | ConvertFrom-Json
        [pscustomobject]@{
            Seed = $seed; Model = $model
            NdcgAt100 = $manifest.test.ndcg_at100; RecallAt20 = $manifest.test.recall_at20; RecallAt50 = $manifest.test.recall_at50
            TrainSeconds = $manifest.timings_seconds.train
            PopularityNdcgAt100 = $manifest.test.popularity_ndcg_at100; PopularityRecallAt20 = $manifest.test.popularity_recall_at20
            PopularityRecallAt50 = $manifest.test.popularity_recall_at50
            BestEpoch = $manifest.best_epoch; Path = $output
        }
    }
}

function Format-Spread([double[]] $values, [string] $format) {
    $mean = ($values | Measure-Object -Average).Average
    if ($values.Count -lt 2) { return $mean.ToString($format, [cultureinfo]::InvariantCulture) }
    $variance = ($values | ForEach-Object { ($_ - $mean) * ($_ - $mean) } | Measure-Object -Sum).Sum / ($values.Count - 1)
    '{0} ± {1}' -f $mean.ToString($format, [cultureinfo]::InvariantCulture), ([math]::Sqrt($variance)).ToString($format, [cultureinfo]::InvariantCulture)
}

$rows = @(foreach ($model in $Models) {
    $of = @($runs | Where-Object Model -EQ $model)
    [pscustomobject]@{
        Model = $model; Seeds = $of.Count
        'NDCG@100' = Format-Spread $of.NdcgAt100 '0.000'
        'Recall@20' = Format-Spread $of.RecallAt20 '0.000'
        'Recall@50' = Format-Spread $of.RecallAt50 '0.000'
        'Train s' = Format-Spread $of.TrainSeconds '0'
    }
})
# Popularity is the same for every model of a seed (training popularity, the same test users).
$perSeed = @($runs | Group-Object Seed | ForEach-Object { $_.Group[0] })
$rows += [pscustomobject]@{
    Model = 'popularity'; Seeds = $perSeed.Count
    'NDCG@100' = Format-Spread $perSeed.PopularityNdcgAt100 '0.000'
    'Recall@20' = Format-Spread $perSeed.PopularityRecallAt20 '0.000'
    'Recall@50' = Format-Spread $perSeed.PopularityRecallAt50 '0.000'
    'Train s' = '-'
}
$rows | Format-Table -AutoSize | Out-String -Width 200 | Write-Output
if ($Json) { $runs | ConvertTo-Json | Set-Content -Path $Json -Encoding utf8 }

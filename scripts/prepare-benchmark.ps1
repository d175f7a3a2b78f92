#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Benchmarks data preparation at ML-20M size.
.DESCRIPTION
    Builds the CLI (Release), writes a synthetic MovieLens ratings.csv of ML-20M's size (20,000,263 rows,
    138,493 users, 26,744 movies) unless it is already in the work folder, then prepares it with the
    ML-20M protocol from scratch and from the cache, in a fresh process, and prints the figures as JSON:
    seconds per stage, rows per second, peak memory, cached load time.
.EXAMPLE
    dotnet pwsh ./scripts/prepare-benchmark.ps1 -Work /tmp/vae-bench
#>
[CmdletBinding()]
param(
    [string] $Work = (Join-Path ([System.IO.Path]::GetTempPath()) 'vaetoolkit-prepare-benchmark'),
    [long] $Rows = 20000263,
    [int] $Users = 138493,
    [int] $Movies = 26744
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = Split-Path $PSScriptRoot -Parent
$cli = Join-Path $root 'src/VaeToolkit.Cli/bin/Release/net10.0/vaetoolkit.dll'

& dotnet build (Join-Path $root 'src/VaeToolkit.Cli') -c Release --nologo -v quiet
if ($LASTEXITCODE -ne 0) { throw "build failed with exit code $LASTEXITCODE" }

New-Item -ItemType Directory -Force $Work | Out-Null
$ratings = Join-Path $Work "ratings-$Rows-$Users-$Movies.csv"
if (-not (Test-Path $ratings)) {
    & dotnet $cli generate-ratings --output $ratings --rows $Rows --users $Users --movies $Movies | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "generate-ratings failed with exit code $LASTEXITCODE" }
}

# A process of its own, so that the peak memory is the preparation's alone.
& dotnet $cli prepare-benchmark --source $ratings --cache (Join-Path $Work 'prepared')
if ($LASTEXITCODE -ne 0) { throw "prepare-benchmark failed with exit code $LASTEXITCODE" }

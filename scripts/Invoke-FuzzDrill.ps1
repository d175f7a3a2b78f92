<#
.SYNOPSIS
    The text-input fuzz drill: feeds seeded mutations of every config and data format the toolkit reads
    to its readers for as long as asked, and prints the inputs tried and the failures.
.DESCRIPTION
    Runs the xunit test TextInputFuzzTests.FuzzDrill_RunsAsLongAsAsked (tests/VaeToolkit.Tests/Fuzz) from the
    built test assembly. An input passes when it gives a result or a located error (ConfigException,
    DataFormatException, InvalidDataException naming the file); another exception, an error that does not
    name the file, or no answer within 20 s is a failure. Failing inputs are written beside the report, in
    <Report>.inputs/, named <target>-<seed>-<input>-<file>. Exits 1 when any input failed.
.PARAMETER Seconds
    How long to run.
.PARAMETER Seed
    The seed: the same seed tries the same inputs in the same order.
.PARAMETER Report
    Where to write the figures and failures (default: a file in the temp folder).
.EXAMPLE
    dotnet build tests/VaeToolkit.Tests -c Release; dotnet pwsh ./scripts/Invoke-FuzzDrill.ps1 -Seconds 120 -Seed 7
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 86400)] [int] $Seconds = 60,
    [ValidateRange(0, [int]::MaxValue)] [int] $Seed = 1,
    [string] $Report = (Join-Path ([IO.Path]::GetTempPath()) "vaetoolkit-fuzz-$Seed.txt")
)
$ErrorActionPreference = 'Stop'
$assembly = Join-Path $PSScriptRoot '../tests/VaeToolkit.Tests/bin/Release/net10.0/VaeToolkit.Tests.dll'
if (-not (Test-Path $assembly)) { throw "build the tests first: dotnet build tests/VaeToolkit.Tests -c Release ($assembly not found)" }
Remove-Item -LiteralPath $Report, "$Report.inputs" -Recurse -Force -ErrorAction SilentlyContinue

$env:VAETOOLKIT_FUZZ_SECONDS = $Seconds
$env:VAETOOLKIT_FUZZ_SEED = $Seed
$env:VAETOOLKIT_FUZZ_REPORT = $Report
try {
    dotnet $assembly -method '*TextInputFuzzTests.FuzzDrill_RunsAsLongAsAsked' | Out-Null
    $exit = $LASTEXITCODE
}
finally {
    Remove-Item Env:VAETOOLKIT_FUZZ_SECONDS, Env:VAETOOLKIT_FUZZ_SEED, Env:VAETOOLKIT_FUZZ_REPORT -ErrorAction SilentlyContinue
}
if (-not (Test-Path $Report)) { throw "the drill wrote no report (test runner exit code $exit)" }
Get-Content -LiteralPath $Report
if ($exit -ne 0) { Write-Host "failing inputs: $Report.inputs"; exit 1 }

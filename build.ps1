#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests, demonstrates and packages VaeToolkit.
.DESCRIPTION
    Tasks:
      build    compile the solution (Release) and publish the PowerShell module to out/VaeToolkit
      test     build, then run the xunit tests and the Pester tests; ends with "N passed, N failed"
               -Coverage: the xunit tests under coverlet, a Cobertura report of the engines' line coverage
               in out/coverage and a line "line coverage: N% (Core N%, ...)"; -Namespace: only the xunit
               tests of that namespace (and no Pester tests)
      demo     build, then train the quick-start model, evaluate it and show recommendations
      package  build, then pack the module into artifacts/VaeToolkit.<version>.nupkg, which
               Install-PSResource installs from a folder repository (see README)
      clean    remove build outputs
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 test
.EXAMPLE
    dotnet pwsh ./build.ps1 test -Coverage -Namespace VaeToolkit.Tests.Metrics
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('build', 'test', 'demo', 'package', 'clean')]
    [string] $Task = 'build',

    [string] $Configuration = 'Release',

    # test: run the xunit tests under coverlet and report the engines' line coverage (out/coverage).
    [switch] $Coverage,

    # test: run only the xunit tests of this namespace (e.g. VaeToolkit.Tests.Cli), and no Pester tests.
    [string] $Namespace
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$moduleDir = Join-Path $root 'out/VaeToolkit'
$testResults = Join-Path $root 'out/test-results'
$coverageDir = Join-Path $root 'out/coverage'
# The assemblies whose line coverage -Coverage reports: the engines, not the front ends or the tests
# (VaeToolkit.Serving's assembly is vaetoolkit-serve).
$coveredAssemblies = 'VaeToolkit.Core', 'VaeToolkit.Training', 'VaeToolkit.Inference', 'VaeToolkit.Orchestration', 'vaetoolkit-serve'

function Get-RuntimeId {
    $arch = if ([System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture -eq 'Arm64') { 'arm64' } else { 'x64' }
    if ($IsWindows) { "win-$arch" } elseif ($IsMacOS) { "osx-$arch" } else { "linux-$arch" }
}

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

function Invoke-Build {
    Write-Host "==> Building VaeToolkit.sln ($Configuration)"
    Invoke-Dotnet build (Join-Path $root 'VaeToolkit.sln') -c $Configuration --nologo -v quiet
    # pwsh does not read a module's deps.json, so the module is published for one runtime:
    # every managed and native dependency then sits next to VaeToolkit.PowerShell.dll.
    Write-Host "==> Publishing the PowerShell module to $moduleDir"
    if (Test-Path $moduleDir) { Remove-Item $moduleDir -Recurse -Force }
    Invoke-Dotnet publish (Join-Path $root 'src/VaeToolkit.PowerShell') -c $Configuration -r (Get-RuntimeId) --self-contained false --nologo -v quiet -o $moduleDir
    # The recommendation service (ASP.NET Core, no TorchSharp) runs as a process of its own (Start-VaeServer),
    # from a folder of its own: it is also what a serving host needs, and all it needs.
    Invoke-Dotnet publish (Join-Path $root 'src/VaeToolkit.Serving') -c $Configuration -r (Get-RuntimeId) --self-contained false --nologo -v quiet -o (Join-Path $moduleDir 'serve')
}

function Get-PesterModulePath {
    # Pester comes from NuGet (restored by the test project); its package has a Chocolatey layout.
    $packages = (& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
    $path = Join-Path $packages.Trim() 'pester/6.2.0/tools/Pester.psd1'
    if (-not (Test-Path $path)) { throw "Pester 6.2.0 was not restored: $path is missing (run 'dotnet restore tests/VaeToolkit.Tests')" }
    $path
}

function Invoke-XunitTests {
    $assembly = Join-Path $root "tests/VaeToolkit.Tests/bin/$Configuration/net10.0/VaeToolkit.Tests.dll"
    $report = Join-Path $testResults 'xunit.xml'
    if ($Coverage) {
        # coverlet.MTP runs on Microsoft.Testing.Platform: it instruments the engines' assemblies in place,
        # runs the tests in a child process (TestEntryPoint.cs takes the platform's path when this variable
        # is set), restores the assemblies and writes coverage.cobertura.xml to the results directory.
        if (Test-Path $coverageDir) { Remove-Item $coverageDir -Recurse -Force }
        $report = Join-Path $coverageDir 'xunit-junit.xml'
        $arguments = @('--coverlet', '--coverlet-output-format', 'cobertura', '--results-directory', $coverageDir,
            '--report-xunit-junit', '--report-xunit-junit-filename', 'xunit-junit.xml', '--progress', 'off')
        # coverlet's filters refuse a '-' (an invalid filter lets every assembly in), so '*' stands for it;
        # the console program's types are left out by name (its assembly vaetoolkit gets in regardless).
        foreach ($name in $coveredAssemblies) { $arguments += '--coverlet-include', "[$($name -replace '-', '*')]*" }
        $arguments += '--coverlet-exclude', '[*]VaeToolkit.Cli.*'
        if ($Namespace) { $arguments += '--filter-namespace', $Namespace }
        Write-Host "==> xunit with coverage: $assembly"
        $env:VAETOOLKIT_TEST_PLATFORM = 'mtp'
        # Started with the console's own handles: run through PowerShell's output pipe (& dotnet ... | Out-Host)
        # the platform's test host failed to start ("Unable to get nested type properties") in 3 runs of 4.
        $quoted = (@($assembly) + $arguments) | ForEach-Object { '"' + $_ + '"' }
        try { Start-Process dotnet -ArgumentList $quoted -NoNewWindow -Wait | Out-Null }
        finally { Remove-Item Env:VAETOOLKIT_TEST_PLATFORM }
    }
    else {
        $filter = if ($Namespace) { @('-namespace', $Namespace) } else { @() }
        Write-Host "==> xunit: $assembly"
        & dotnet $assembly -noColor -result-xml $report @filter | Out-Host
    }
    if (-not (Test-Path $report)) { throw "xunit wrote no report ($report)" }
    if ($Coverage) {
        # Microsoft.Testing.Platform's xunit writes JUnit XML rather than xunit's own format.
        $suites = @(([xml](Get-Content $report -Raw)).testsuites.testsuite)
        return [pscustomobject]@{
            Passed  = ($suites | ForEach-Object { [int]$_.tests - [int]$_.failures - [int]$_.errors - [int]$_.skipped } | Measure-Object -Sum).Sum
            Failed  = ($suites | ForEach-Object { [int]$_.failures + [int]$_.errors } | Measure-Object -Sum).Sum
            Skipped = ($suites | ForEach-Object { [int]$_.skipped } | Measure-Object -Sum).Sum
        }
    }
    $assemblyResult = ([xml](Get-Content $report -Raw)).assemblies.assembly
    [pscustomobject]@{
        Passed  = [int]$assemblyResult.passed
        Failed  = [int]$assemblyResult.failed + [int]$assemblyResult.errors
        Skipped = [int]$assemblyResult.skipped
    }
}

function Write-CoverageSummary {
    # coverlet names the report coverage.cobertura.<run id>.xml; the folder is emptied before each run.
    $report = Get-ChildItem $coverageDir -Filter 'coverage.cobertura*.xml' | Sort-Object LastWriteTime | Select-Object -Last 1
    if (-not $report) { throw "coverlet wrote no coverage report in $coverageDir" }
    $report = $report.FullName
    $coverage = ([xml](Get-Content $report -Raw)).coverage
    $invariant = [cultureinfo]::InvariantCulture
    # The total and each engine's figure from the lines themselves, over the engines only.
    $covered = 0
    $valid = 0
    $packages = @($coverage.packages.package | Where-Object { $_.name -in $coveredAssemblies })
    $parts = foreach ($package in $packages | Sort-Object { $_.name -replace '^vaetoolkit-serve$', 'VaeToolkit.Serving' }) {
        $lines = @($package.SelectNodes('classes/class/lines/line'))
        $hit = @($lines | Where-Object { [int]$_.hits -gt 0 }).Count
        $covered += $hit
        $valid += $lines.Count
        $name = $package.name -replace '^VaeToolkit\.', '' -replace '^vaetoolkit-serve$', 'Serving'
        [string]::Format($invariant, '{0} {1:F1}%', $name, 100.0 * $hit / [math]::Max(1, $lines.Count))
    }
    Write-Host ([string]::Format($invariant, 'line coverage: {0:F1}% ({1}); {2} of {3} lines, report {4}',
        100.0 * $covered / [math]::Max(1, $valid), ($parts -join ', '), $covered, $valid, $report))
}

function Invoke-PesterTests {
    Write-Host '==> Pester: tests/Pester'
    Import-Module (Get-PesterModulePath) -Force
    $config = New-PesterConfiguration
    $config.Run.Path = Join-Path $root 'tests/Pester'
    $config.Run.PassThru = $true
    $config.Output.Verbosity = 'Detailed'
    $config.TestResult.Enabled = $true
    $config.TestResult.OutputPath = Join-Path $testResults 'pester.xml'
    $result = Invoke-Pester -Configuration $config
    [pscustomobject]@{
        Passed  = $result.PassedCount
        Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
        Skipped = $result.SkippedCount
    }
}

function Invoke-Tests {
    Invoke-Build
    New-Item -ItemType Directory -Force $testResults | Out-Null
    $env:VAETOOLKIT_MODULE = Join-Path $moduleDir 'VaeToolkit.psd1'
    $xunit = Invoke-XunitTests
    $pester = if ($Namespace) { [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0 } } else { Invoke-PesterTests }
    $passed = $xunit.Passed + $pester.Passed
    $failed = $xunit.Failed + $pester.Failed
    $skipped = $xunit.Skipped + $pester.Skipped
    Write-Host ''
    Write-Host "xunit: $($xunit.Passed) passed, $($xunit.Failed) failed, $($xunit.Skipped) skipped"
    Write-Host "Pester: $($pester.Passed) passed, $($pester.Failed) failed, $($pester.Skipped) skipped"
    Write-Host "$passed passed, $failed failed, $skipped skipped"
    if ($Coverage) { Write-CoverageSummary }
    if ($failed -gt 0) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    Import-Module (Join-Path $moduleDir 'VaeToolkit.psd1') -Force
    $output = Join-Path $root "runs/quickstart-$(Get-Date -Format 'yyyyMMdd-HHmmss')"
    Write-Host "==> Training the quick-start model (synthetic data) into $output"
    $run = Invoke-VaeTraining -Config (Join-Path $root 'configs/quickstart.yaml') -OutputPath $output
    Write-Host '==> Test users, scored by ONNX Runtime'
    $run | Test-VaeModel | Format-Table | Out-Host
    Write-Host '==> Top 5 recommendations for two users (the synthetic data set numbers its users from 0)'
    Get-VaeRecommendation -Path $run.ModelPath -UserId 0, 1 -Top 5 | Format-Table | Out-Host
}

function Invoke-Package {
    Invoke-Build
    # A NuGet package for PSResourceGet, for this platform only (the native libraries are linux-x64's, say).
    & (Join-Path $root 'build/New-ModulePackage.ps1') -ModulePath $moduleDir -DestinationPath (Join-Path $root 'artifacts') | Out-Null
}

switch ($Task) {
    'build' { Invoke-Build }
    'test' { Invoke-Tests }
    'demo' { Invoke-Demo }
    'package' { Invoke-Package }
    'clean' { foreach ($dir in 'out', 'artifacts') { Remove-Item (Join-Path $root $dir) -Recurse -Force -ErrorAction SilentlyContinue }; Invoke-Dotnet clean (Join-Path $root 'VaeToolkit.sln') -c $Configuration -v quiet }
}

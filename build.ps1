#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests, demonstrates and packages VaeToolkit.
.DESCRIPTION
    Tasks:
      build    compile the solution (Release) and publish the PowerShell module to out/VaeToolkit
      test     build, then run the xunit tests and the Pester tests; ends with "N passed, N failed"
      demo     build, then train the quick-start model, evaluate it and show recommendations
      package  build, then pack the module into artifacts/VaeToolkit.<version>.nupkg, which
               Install-PSResource installs from a folder repository (see README)
      clean    remove build outputs
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 test
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('build', 'test', 'demo', 'package', 'clean')]
    [string] $Task = 'build',

    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$moduleDir = Join-Path $root 'out/VaeToolkit'
$testResults = Join-Path $root 'out/test-results'

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
    Write-Host "==> xunit: $assembly"
    & dotnet $assembly -noColor -result-xml $report | Out-Host
    if (-not (Test-Path $report)) { throw "xunit wrote no report ($report)" }
    $assemblyResult = ([xml](Get-Content $report -Raw)).assemblies.assembly
    [pscustomobject]@{
        Passed  = [int]$assemblyResult.passed
        Failed  = [int]$assemblyResult.failed + [int]$assemblyResult.errors
        Skipped = [int]$assemblyResult.skipped
    }
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
    $pester = Invoke-PesterTests
    $passed = $xunit.Passed + $pester.Passed
    $failed = $xunit.Failed + $pester.Failed
    $skipped = $xunit.Skipped + $pester.Skipped
    Write-Host ''
    Write-Host "xunit: $($xunit.Passed) passed, $($xunit.Failed) failed, $($xunit.Skipped) skipped"
    Write-Host "Pester: $($pester.Passed) passed, $($pester.Failed) failed, $($pester.Skipped) skipped"
    Write-Host "$passed passed, $failed failed, $skipped skipped"
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

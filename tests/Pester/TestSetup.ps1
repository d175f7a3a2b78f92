# Dot-sourced by each test file's BeforeAll: imports the built module and names the shared paths.
$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:ModulePath = if ($env:VAETOOLKIT_MODULE) { $env:VAETOOLKIT_MODULE } else { Join-Path $RepoRoot 'out/VaeToolkit/VaeToolkit.psd1' }
if (-not (Test-Path $ModulePath)) { throw "The module is not built: $ModulePath is missing (run 'dotnet pwsh ./build.ps1 build')" }
Import-Module $ModulePath -Force
$script:QuickstartConfig = Join-Path $RepoRoot 'configs/quickstart.yaml'
$script:MovieLensConfig = Join-Path $RepoRoot 'configs/ml-latest-small.yaml'

# A quick-start run shrunk to a second or two, for tests that need a run but not a good model.
$script:TinyRun = @('data.synthetic.users=400', 'data.synthetic.items=200', 'data.heldout_users=40', 'training.epochs=2')

function Get-Manifest([string] $RunPath) {
    Get-Content (Join-Path $RunPath 'manifest.json') -Raw | ConvertFrom-Json
}

# A PowerShell instance with the module imported, for what the test's own pipeline cannot observe:
# its progress stream, and stopping a command as Ctrl+C does. Add the command to run, then invoke it.
function New-ModulePowerShell {
    $ps = [powershell]::Create()
    $null = $ps.AddCommand('Import-Module').AddArgument($ModulePath).AddStatement()
    $ps
}

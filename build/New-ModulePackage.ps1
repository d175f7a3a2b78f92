#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Packs a published VaeToolkit module folder into a NuGet package (.nupkg) that PSResourceGet installs.
.DESCRIPTION
    Compress-PSResource (PSResourceGet, shipped with PowerShell 7.4 and later) packs the folder the way
    Publish-PSResource would. NuGet packing is known to leave out some files (names starting with a dot,
    for one), so the package is opened afterwards and must hold every file of the module, native
    libraries and the serve/ folder included, byte for byte the same size; otherwise this script stops.
    Returns the package file, with its size and the module's file count and size as notes.
.EXAMPLE
    ./build/New-ModulePackage.ps1 -ModulePath ./out/VaeToolkit -DestinationPath ./artifacts
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $DestinationPath
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Add-Type -AssemblyName System.IO.Compression.FileSystem

$ModulePath = (Resolve-Path $ModulePath).Path
$manifest = Import-PowerShellDataFile (Join-Path $ModulePath 'VaeToolkit.psd1')
New-Item -ItemType Directory -Force $DestinationPath | Out-Null
$DestinationPath = (Resolve-Path $DestinationPath).Path
$package = Join-Path $DestinationPath "VaeToolkit.$($manifest.ModuleVersion).nupkg"
Remove-Item $package -ErrorAction SilentlyContinue

$files = @{}
foreach ($file in Get-ChildItem $ModulePath -Recurse -File -Force) {
    $files[[IO.Path]::GetRelativePath($ModulePath, $file.FullName).Replace('\', '/')] = $file.Length
}
$moduleBytes = ($files.Values | Measure-Object -Sum).Sum
Write-Host ("==> Packing {0} ({1} files, {2:N1} MB)" -f $ModulePath, $files.Count, ($moduleBytes / 1MB))
Compress-PSResource -Path $ModulePath -DestinationPath $DestinationPath
if (-not (Test-Path $package)) { throw "Compress-PSResource wrote no $package" }

# The package's own files ([Content_Types].xml, _rels/, package/, the .nuspec) are not the module's.
$archive = [IO.Compression.ZipFile]::OpenRead($package)
try {
    $packed = @{}
    foreach ($entry in $archive.Entries) {
        $name = [Uri]::UnescapeDataString($entry.FullName)
        if ($name -eq '[Content_Types].xml' -or $name -like '_rels/*' -or $name -like 'package/*' -or $name -eq 'VaeToolkit.nuspec') { continue }
        $packed[$name] = $entry.Length
    }
}
finally {
    $archive.Dispose()
}
$missing = @($files.Keys | Where-Object { -not $packed.ContainsKey($_) -or $packed[$_] -ne $files[$_] } | Sort-Object)
if ($missing) { throw "the package $package lacks $($missing.Count) of the module's files (or holds them truncated): $($missing -join ', ')" }
$packageFile = Get-Item $package
Write-Host ("==> {0} ({1:N1} MB; holds all {2} files, {3:N1} MB unpacked)" -f $package, ($packageFile.Length / 1MB), $files.Count, ($moduleBytes / 1MB))
$packageFile | Add-Member -NotePropertyMembers @{ ModuleFileCount = $files.Count; ModuleBytes = $moduleBytes } -PassThru

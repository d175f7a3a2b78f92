#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Retrains a model and promotes it to the serving path when it is good enough (for a nightly job),
    or rolls the serving path back to the version served before.
.DESCRIPTION
    Trains -Config into a new run directory under -RunsPath (or takes the model of an existing run or
    model directory, -ModelPath), evaluates it with ONNX Runtime, and promotes it to -DeployPath when
      - it beats the popularity baseline's NDCG@100 by at least -MinimumLift (relative), and
      - it is not worse than the model being served (by the NDCG@100 it recorded when it was
        promoted) by more than -Tolerance.
    -Rollback serves the version served before the current one instead.

    Layout. -DeployPath (say /srv/vae/current) is a symbolic link to one version folder; the versions
    sit next to it, in <DeployPath>.versions:
        /srv/vae/current  ->  current.versions/20261130-021502-117-4f9a2c   (a relative link)
        /srv/vae/current.versions/20261130-021502-117-4f9a2c/   the served model, with promotion.json
        /srv/vae/current.versions/20261129-021458-802-0b1d7e/   the one served before (-Rollback)
        /srv/vae/current.lock                                  held while a promotion or rollback runs
    Version folders are named by the UTC time of their promotion, so they sort oldest first; a version
    folder is complete before anything points at it and never changes afterwards. A promotion copies
    the model to <versions>/.staging-<id>, renames it to <versions>/<id>, makes a new link
    <DeployPath>.tmp-<guid> to it and renames that link over -DeployPath: one rename(2), so whoever
    opens -DeployPath, or a file in it, gets the old version or the new one, complete, never a mix
    and never nothing. ModelBundle.Open (and so Get-VaeRecommendation, Test-VaeModel) resolves the
    link once, so one opening reads one version. To reload on a new model, watch -DeployPath's parent
    folder for a rename to the name of -DeployPath (or poll the link's target) and open it again.

    -Rollback points -DeployPath at the newest version older than the served one, by the same
    rename; the version it leaves stays until the next run removes it. -Keep bounds the versions:
    after a promotion, the served one and the -Keep - 1 newest before it are kept, older ones deleted.

    A run killed at any point leaves -DeployPath serving a complete version. The next run (one at a
    time, under the lock) cleans up what was left: links <DeployPath>.tmp-*, folders <versions>/.*
    (a copy or a deletion cut short), and versions newer than the served one (never switched to, or
    rolled back from). An old-style deploy of earlier versions of this script (a real folder at
    -DeployPath, the replaced model in <DeployPath>.previous) is moved into the versions folder first,
    nothing deleted; -DeployPath is missing for the instant between that move and the new link.

    Linux switches with `mv -T` and macOS with `mv -h` (rename(2) of the link; .NET's File.Move
    refuses a link to a folder). On Windows, where a symbolic link needs a privilege, -DeployPath is
    a directory junction; a junction cannot be renamed over another, so the switch deletes the old
    junction and renames the new one in: a reader may find -DeployPath missing for that instant
    (never a half-written model), and a run killed in between leaves the new junction as
    <DeployPath>.tmp-<guid>, which the next run renames into place.

    Nothing is written with -WhatIf.
.PARAMETER Config
    The YAML configuration to train (see Invoke-VaeTraining).
.PARAMETER ModelPath
    Promote the model of this run or model directory instead of training one (the same checks apply).
.PARAMETER Rollback
    Serve the newest version older than the served one; no training, no checks.
.PARAMETER DeployPath
    The serving path: the link that readers open. Its parent folder is created when missing.
.PARAMETER Keep
    The versions kept after a promotion, the served one included (at least 2, so that -Rollback has
    somewhere to go).
.EXAMPLE
    ./scripts/Update-VaeModel.ps1 -Config configs/ml-latest-small.yaml -RunsPath runs -DeployPath serving/current
.EXAMPLE
    ./scripts/Update-VaeModel.ps1 -Config configs/ml20m.yaml -DeployPath /srv/vae/current -Set device=cuda -Keep 5 -Verbose
.EXAMPLE
    ./scripts/Update-VaeModel.ps1 -Rollback -DeployPath /srv/vae/current
.EXAMPLE
    ./scripts/Update-VaeModel.ps1 -ModelPath runs/ml20m-20261130-021502 -DeployPath /srv/vae/current
#>
[CmdletBinding(SupportsShouldProcess, DefaultParameterSetName = 'Train')]
param(
    [Parameter(Mandatory, ParameterSetName = 'Train')] [string] $Config,
    [Parameter(Mandatory, ParameterSetName = 'Model')] [string] $ModelPath,
    [Parameter(Mandatory, ParameterSetName = 'Rollback')] [switch] $Rollback,
    [Parameter(Mandatory)] [string] $DeployPath,
    [Parameter(ParameterSetName = 'Train')] [string] $RunsPath = 'runs',
    [Parameter(ParameterSetName = 'Train')] [string[]] $Set = @(),
    [Parameter(ParameterSetName = 'Train')] [Parameter(ParameterSetName = 'Model')] [double] $MinimumLift = 0.05,
    [Parameter(ParameterSetName = 'Train')] [Parameter(ParameterSetName = 'Model')] [double] $Tolerance = 0.005,
    [Parameter(ParameterSetName = 'Train')] [Parameter(ParameterSetName = 'Model')] [ValidateRange(2, 10000)] [int] $Keep = 3,
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/VaeToolkit/VaeToolkit.psd1')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
if (-not (Get-Module VaeToolkit)) { Import-Module $ModulePath }

$DeployPath = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($DeployPath).TrimEnd([IO.Path]::DirectorySeparatorChar, [IO.Path]::AltDirectorySeparatorChar)
$deployParent = Split-Path $DeployPath
$deployName = Split-Path -Leaf $DeployPath
$versions = "$DeployPath.versions"

# The target a link names (relative as written), or $null when the path is no link or is missing.
function Get-LinkTarget([string] $Path) { [IO.DirectoryInfo]::new($Path).LinkTarget }

function Get-ServedVersion {
    $target = Get-LinkTarget $DeployPath
    if ($target) { Split-Path -Leaf $target.TrimEnd('/', '\') }
}

# The complete version folders' names, oldest first; names starting with a dot are leftovers.
function Get-VersionNames {
    if (-not [IO.Directory]::Exists($versions)) { return }
    [string[]] $names = @([IO.Directory]::GetDirectories($versions) | ForEach-Object { [IO.Path]::GetFileName($_) } | Where-Object { -not $_.StartsWith('.') })
    [Array]::Sort($names, [StringComparer]::Ordinal)
    $names
}

function New-VersionName([datetime] $Utc, [string] $Suffix = [guid]::NewGuid().ToString('N').Substring(0, 6)) {
    "$($Utc.ToString('yyyyMMdd-HHmmss-fff', [cultureinfo]::InvariantCulture))-$Suffix"
}

function Remove-Link([string] $Path) {
    if ($IsWindows) { [IO.Directory]::Delete($Path) } else { [IO.File]::Delete($Path) } # the link, not what it names
}

# Renames the link $From to $To, replacing the link at $To in one rename(2) where the system allows it.
function Move-Link([string] $From, [string] $To) {
    if ($IsWindows) {
        if (Get-LinkTarget $To) { Remove-Link $To }
        [IO.Directory]::Move($From, $To)
        return
    }
    & mv $(if ($IsMacOS) { '-h' } else { '-T' }) -- $From $To
    if ($LASTEXITCODE -ne 0) { throw "could not rename '$From' over '$To' (mv exit code $LASTEXITCODE)" }
}

# Points -DeployPath at a version folder: a new link under a temporary name, renamed over the old one.
function Switch-ServedVersion([string] $Version) {
    $link = "$DeployPath.tmp-$([guid]::NewGuid().ToString('N'))"
    if ($IsWindows) { New-Item -ItemType Junction -Path $link -Target (Join-Path $versions $Version) | Out-Null }
    else { [IO.Directory]::CreateSymbolicLink($link, "$deployName.versions/$Version") | Out-Null }
    Move-Link $link $DeployPath
    Write-Verbose "$DeployPath now serves $Version"
}

function Remove-Version([string] $Version) {
    # Renamed to a leftover name first, so that a deletion cut short never looks like a complete version.
    $doomed = Join-Path $versions ".removing-$Version-$([guid]::NewGuid().ToString('N'))"
    [IO.Directory]::Move((Join-Path $versions $Version), $doomed)
    Remove-Item -LiteralPath $doomed -Recurse -Force
    Write-Verbose "Removed version $Version"
}

function Get-PromotedUtc([string] $ModelDirectory) {
    $record = Join-Path $ModelDirectory 'promotion.json'
    try { return ([datetimeoffset](Get-Content -LiteralPath $record -Raw | ConvertFrom-Json).promoted_utc).UtcDateTime }
    catch { return [IO.Directory]::GetLastWriteTimeUtc($ModelDirectory) }
}

# One promotion or rollback at a time; the operating system drops the lock of a killed process.
function Lock-Deploy {
    New-Item -ItemType Directory -Force $deployParent | Out-Null
    try { [IO.File]::Open("$DeployPath.lock", [IO.FileMode]::OpenOrCreate, [IO.FileAccess]::ReadWrite, [IO.FileShare]::None) }
    catch { throw "another promotion or rollback of '$DeployPath' is running (it holds '$DeployPath.lock'): $($_.Exception.InnerException.Message)" }
}

# Brings -DeployPath to the link layout and clears what a run killed midway left behind.
function Repair-Deploy {
    if ([IO.Directory]::Exists($DeployPath) -and -not (Get-LinkTarget $DeployPath)) {
        # An old-style deploy: the served folder and the one it replaced become versions.
        New-Item -ItemType Directory -Force $versions | Out-Null
        $servedUtc = Get-PromotedUtc $DeployPath
        $previous = "$DeployPath.previous"
        if ([IO.Directory]::Exists($previous)) {
            $previousUtc = Get-PromotedUtc $previous
            if ($previousUtc -ge $servedUtc) { $previousUtc = $servedUtc.AddSeconds(-1) }
            [IO.Directory]::Move($previous, (Join-Path $versions (New-VersionName $previousUtc 'migrated')))
        }
        $served = New-VersionName $servedUtc 'migrated'
        [IO.Directory]::Move($DeployPath, (Join-Path $versions $served))
        Switch-ServedVersion $served
        Write-Verbose "Moved the old-style deploy at $DeployPath into $versions"
    }

    $strayLinks = @(if ([IO.Directory]::Exists($deployParent)) {
            [IO.Directory]::GetFileSystemEntries($deployParent, "$deployName.tmp-*") | Where-Object { Get-LinkTarget $_ }
        })
    if (-not (Get-LinkTarget $DeployPath)) {
        # Nothing served: a switch was cut short after the old link went (Windows, or the move above).
        $pending = @($strayLinks | Where-Object { [IO.Directory]::Exists($_) } | Sort-Object { Split-Path -Leaf (Get-LinkTarget $_) })
        $kept = @(Get-VersionNames)
        if ($pending.Count -gt 0) { Move-Link $pending[-1] $DeployPath }
        elseif ($kept.Count -gt 0) { Switch-ServedVersion $kept[-1] }
    }
    foreach ($link in $strayLinks) { if (Get-LinkTarget $link) { Remove-Link $link } }
    if ([IO.Directory]::Exists($versions)) {
        foreach ($leftover in [IO.Directory]::GetDirectories($versions, '.*')) { Remove-Item -LiteralPath $leftover -Recurse -Force }
    }
    $served = Get-ServedVersion
    if ($served) {
        # Newer than the served one: never switched to (a promotion cut short), or rolled back from.
        foreach ($version in @(Get-VersionNames)) { if ([string]::CompareOrdinal($version, $served) -gt 0) { Remove-Version $version } }
    }
}

if ($PSCmdlet.ParameterSetName -eq 'Rollback') {
    if (-not $PSCmdlet.ShouldProcess($DeployPath, 'Serve the version served before the current one')) { return }
    $lock = Lock-Deploy
    try {
        Repair-Deploy
        $served = Get-ServedVersion
        if (-not $served) { throw "'$DeployPath' serves no model: there is nothing to roll back" }
        $earlier = @(Get-VersionNames | Where-Object { [string]::CompareOrdinal($_, $served) -lt 0 })
        if ($earlier.Count -eq 0) { throw "'$DeployPath' serves $served, the oldest version in '$versions': there is no earlier one to roll back to" }
        Switch-ServedVersion $earlier[-1]
    }
    finally { $lock.Dispose() }
    return [pscustomobject]@{ DeployPath = $DeployPath; Version = $earlier[-1]; RolledBackFrom = $served }
}

if ($PSCmdlet.ParameterSetName -eq 'Train') {
    $runStem = Join-Path $RunsPath "$([IO.Path]::GetFileNameWithoutExtension($Config))-$(Get-Date -AsUTC -Format 'yyyyMMdd-HHmmss')"
    $runPath = $runStem
    for ($n = 2; Test-Path $runPath; $n++) { $runPath = "$runStem-$n" } # a second run within the same second
    if (-not $PSCmdlet.ShouldProcess($DeployPath, "Train '$Config' into $runPath and promote the model if it is good enough")) { return }
    $run = Invoke-VaeTraining -Config $Config -OutputPath $runPath -Set $Set
    $evaluation = $run | Test-VaeModel
    $source = $run.ModelPath
    $runPath = $run.RunPath
}
else {
    $ModelPath = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($ModelPath)
    if (-not $PSCmdlet.ShouldProcess($DeployPath, "Promote the model of '$ModelPath' if it is good enough")) { return }
    $evaluation = Test-VaeModel -LiteralPath $ModelPath
    $source = $evaluation.Path
    $runPath = $ModelPath
}

$served = Join-Path $DeployPath 'promotion.json'
$servedNdcg = if (Test-Path $served) { (Get-Content $served -Raw | ConvertFrom-Json).ndcg_at_100 } else { $null }

$reasons = @()
if ($evaluation.NdcgAt100 -lt (1 + $MinimumLift) * $evaluation.PopularityNdcgAt100) {
    $reasons += "NDCG@100 $($evaluation.NdcgAt100.ToString('F4')) does not beat popularity ($($evaluation.PopularityNdcgAt100.ToString('F4'))) by $($MinimumLift * 100)%"
}
if ($null -ne $servedNdcg -and $evaluation.NdcgAt100 -lt $servedNdcg - $Tolerance) {
    $reasons += "NDCG@100 $($evaluation.NdcgAt100.ToString('F4')) is below the served model's $(([double]$servedNdcg).ToString('F4'))"
}

$version = $null
$lock = Lock-Deploy
try {
    Repair-Deploy
    if ($reasons.Count -eq 0) {
        $version = New-VersionName (Get-Date -AsUTC)
        $staging = Join-Path $versions ".staging-$version"
        New-Item -ItemType Directory -Force $versions | Out-Null
        Copy-Item -LiteralPath $source -Destination $staging -Recurse
        [ordered]@{ run_path = $runPath; ndcg_at_100 = $evaluation.NdcgAt100; promoted_utc = (Get-Date -AsUTC).ToString('o'); version = $version } |
            ConvertTo-Json | Set-Content (Join-Path $staging 'promotion.json')
        [IO.Directory]::Move($staging, (Join-Path $versions $version))
        Switch-ServedVersion $version
        Write-Verbose "Promoted $source to $DeployPath ($version)"
        $older = @(Get-VersionNames | Where-Object { [string]::CompareOrdinal($_, $version) -lt 0 })
        foreach ($old in @($older | Select-Object -SkipLast ($Keep - 1))) { Remove-Version $old }
    }
}
finally { $lock.Dispose() }
if ($reasons.Count -gt 0) { Write-Warning "Not promoted: $($reasons -join '; ')" }

[pscustomobject]@{
    RunPath             = $runPath
    NdcgAt100           = $evaluation.NdcgAt100
    PopularityNdcgAt100 = $evaluation.PopularityNdcgAt100
    ServedNdcgAt100     = $servedNdcg
    Promoted            = $reasons.Count -eq 0
    Reasons             = $reasons
    DeployPath          = $DeployPath
    Version             = $version
}

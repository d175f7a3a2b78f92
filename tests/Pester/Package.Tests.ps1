# Packaging, end to end: the built module packed as ./build.ps1 package packs it (build/New-ModulePackage.ps1),
# installed by PSResourceGet from a folder repository, imported by name in a fresh process, where it trains
# the quick start (libtorch loads: the GLIBCXX patch survived), evaluates it and serves it. Slow (the package
# holds libtorch): one pack, one install.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')

    # A fresh PowerShell process whose home is under TestDrive: its CurrentUser module folder
    # (~/.local/share/powershell/Modules, where Install-PSResource puts a module and where pwsh looks for one)
    # and its PSResourceGet settings are the test's, never the user's.
    function Invoke-FreshPowerShell([string] $Script) {
        # This very PowerShell: pwsh itself, or the dotnet host running pwsh.dll (dotnet pwsh, the repository's tool).
        $process = [Environment]::ProcessPath
        $pwsh = if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { @($process, (Join-Path $PSHOME 'pwsh.dll')) } else { @($process) }
        $saved = @{ HOME = $env:HOME; XDG_DATA_HOME = $env:XDG_DATA_HOME; XDG_CONFIG_HOME = $env:XDG_CONFIG_HOME }
        try {
            $env:HOME = $freshHome
            Remove-Item env:XDG_DATA_HOME, env:XDG_CONFIG_HOME -ErrorAction SilentlyContinue
            $output = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $Script 2>&1
        }
        finally {
            foreach ($name in $saved.Keys) { if ($null -ne $saved[$name]) { Set-Item "env:$name" $saved[$name] } }
        }
        if ($LASTEXITCODE -ne 0) { throw "the fresh PowerShell failed (exit code $LASTEXITCODE):`n$($output -join "`n")" }
        $output
    }

    $script:builtModule = Split-Path $ModulePath
    $script:repository = Join-Path $TestDrive 'repository'
    $script:package = & (Join-Path $RepoRoot 'build/New-ModulePackage.ps1') -ModulePath $builtModule -DestinationPath $repository 6>$null

    $script:freshHome = Join-Path $TestDrive 'home'
    New-Item -ItemType Directory $freshHome | Out-Null
    $userModules = Join-Path $freshHome '.local/share/powershell/Modules'
    $install = @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name VaeToolkitLocal -Uri '$repository' -Trusted
Install-PSResource -Name VaeToolkit -Repository VaeToolkitLocal -Scope CurrentUser -Quiet
"@
    $null = Invoke-FreshPowerShell $install
    $script:installed = Get-ChildItem (Join-Path $userModules 'VaeToolkit') -Directory | Select-Object -First 1

    $script:result = Join-Path $TestDrive 'quickstart.json'
    $runPath = Join-Path $TestDrive 'run'
    $overrides = ($TinyRun | ForEach-Object { "'$_'" }) -join ', '
    $quickstart = @"
`$ErrorActionPreference = 'Stop'
`$ProgressPreference = 'SilentlyContinue'
Import-Module VaeToolkit
`$run = Invoke-VaeTraining -Config '$QuickstartConfig' -OutputPath '$runPath' -Set $overrides
`$evaluation = `$run | Test-VaeModel -NoBaseline
`$server = Start-VaeServer -Path `$run.ModelPath -Url http://127.0.0.1:0
try {
    `$response = Invoke-RestMethod -Method Post -Uri "`$(`$server.Url)/v1/recommendations" -ContentType application/json -Body '{"user_id": "0", "k": 3}'
}
finally {
    `$server | Stop-VaeServer
}
[pscustomobject]@{
    ModuleBase  = (Get-Module VaeToolkit).ModuleBase
    Status      = (Get-Content (Join-Path `$run.RunPath 'manifest.json') -Raw | ConvertFrom-Json).status
    TestUsers   = `$evaluation.Users
    NdcgAt100   = `$evaluation.NdcgAt100
    Recommended = @(`$response.items).Count
} | ConvertTo-Json | Set-Content '$result'
"@
    $null = Invoke-FreshPowerShell $quickstart
}

Describe 'The module package' {
    It 'is a NuGet package named after the module and its version, smaller than the module' {
        $package.Name | Should -Be "VaeToolkit.$((Import-PowerShellDataFile $ModulePath).ModuleVersion).nupkg"
        $package.Length | Should -BeLessThan $package.ModuleBytes
        Write-Host ("    package {0:N1} MB, module {1:N1} MB in {2} files" -f ($package.Length / 1MB), ($package.ModuleBytes / 1MB), $package.ModuleFileCount)
    }

    It 'installs with Install-PSResource every file of the built module, native libraries and serve/ included' {
        $installed | Should -Not -BeNullOrEmpty
        $built = @{}
        foreach ($file in Get-ChildItem $builtModule -Recurse -File -Force) { $built[[IO.Path]::GetRelativePath($builtModule, $file.FullName)] = $file.Length }
        $copied = @{}
        foreach ($file in Get-ChildItem $installed.FullName -Recurse -File -Force) { $copied[[IO.Path]::GetRelativePath($installed.FullName, $file.FullName)] = $file.Length }
        foreach ($name in $built.Keys) {
            $copied.ContainsKey($name) | Should -BeTrue -Because "the installed module holds $name"
            $copied[$name] | Should -Be $built[$name] -Because "$name keeps its size"
        }
        $built.Keys | Where-Object { $_ -like 'libtorch*.so' } | Should -Not -BeNullOrEmpty
        $built.Keys | Where-Object { $_ -like 'serve*vaetoolkit-serve.dll' } | Should -Not -BeNullOrEmpty
        $copied.Count | Should -Be ($built.Count + 1) -Because 'PSResourceGet adds its PSGetModuleInfo.xml, nothing else'
    }

    It 'keeps the weak GLIBCXX version of libLibTorchSharp.so, byte for byte' {
        $patched = Join-Path $builtModule 'libLibTorchSharp.so'
        (Get-FileHash (Join-Path $installed.FullName 'libLibTorchSharp.so')).Hash | Should -Be (Get-FileHash $patched).Hash
    }

    It 'imports by name in a fresh process, from where it was installed, and runs the quick start' {
        $quick = Get-Content $result -Raw | ConvertFrom-Json
        $quick.ModuleBase | Should -Be $installed.FullName
        $quick.Status | Should -Be 'completed'
        $quick.TestUsers | Should -Be 40
        $quick.NdcgAt100 | Should -BeGreaterThan 0
        $quick.Recommended | Should -Be 3
    }
}

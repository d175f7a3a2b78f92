BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Update = Join-Path $PSScriptRoot '../../scripts/Update-VaeModel.ps1'

    # The version folder a deploy path links to, the versions kept, and what a crash can leave.
    function Get-Served([string] $Deploy) { Split-Path -Leaf ([IO.DirectoryInfo]::new($Deploy).LinkTarget) }
    function Get-Kept([string] $Deploy) { @(Get-ChildItem "$Deploy.versions" -Directory | Where-Object Name -NotLike '.*' | Sort-Object Name | ForEach-Object Name) }
    function Get-Leftovers([string] $Deploy) {
        @(Get-ChildItem (Split-Path $Deploy) -Force -Filter "$(Split-Path -Leaf $Deploy).tmp-*") + @(Get-ChildItem "$Deploy.versions" -Force -Filter '.*')
    }
    function Get-Promotion([string] $Deploy) { Get-Content (Join-Path $Deploy 'promotion.json') -Raw | ConvertFrom-Json }
}

Describe 'scripts/Update-VaeModel.ps1' {
    BeforeAll {
        # A model as good as the first test's first one, and a tiny one that is quick to evaluate for the
        # tests of the switch, which let it through the quality checks (-MinimumLift -1).
        $script:good = Invoke-VaeTraining -Config $QuickstartConfig -OutputPath (Join-Path $TestDrive 'good-run') -Set training.epochs=8
        $script:tiny = Invoke-VaeTraining -Config $QuickstartConfig -OutputPath (Join-Path $TestDrive 'tiny-run') -Set $TinyRun
        $script:Any = @{ ModelPath = $tiny.RunPath; MinimumLift = -1 }
    }

    It 'promotes a model that beats popularity, refuses a worse one, and rolls back to the one before' {
        $deploy = Join-Path $TestDrive 'serving/current'
        New-Item -ItemType Directory (Split-Path $deploy) | Out-Null
        $runs = Join-Path $TestDrive 'runs'

        $first = & $Update -Config $QuickstartConfig -DeployPath $deploy -RunsPath $runs -Set training.epochs=8
        $first.Promoted | Should -BeTrue
        Join-Path $deploy 'recommender.onnx' | Should -Exist
        (Get-Promotion $deploy).ndcg_at_100 | Should -Be $first.NdcgAt100
        (Get-Promotion $deploy).version | Should -Be $first.Version
        Get-Served $deploy | Should -Be $first.Version
        (Test-VaeModel -Path $deploy).NdcgAt100 | Should -Be $first.NdcgAt100

        # One epoch learns much less: below the served model, so it is not promoted and nothing moves.
        $worse = & $Update -Config $QuickstartConfig -DeployPath $deploy -RunsPath $runs -Set training.epochs=1 -WarningAction SilentlyContinue
        $worse.Promoted | Should -BeFalse
        $worse.Reasons -join ' ' | Should -Match 'below the served model'
        (Get-Promotion $deploy).run_path | Should -Be $first.RunPath
        Get-Kept $deploy | Should -Be @($first.Version)

        # As good as the served model (the same settings give the same model): promoted, the old one kept.
        $again = & $Update -ModelPath $good.RunPath -DeployPath $deploy
        $again.Promoted | Should -BeTrue
        (Get-Promotion $deploy).run_path | Should -Be $good.RunPath
        Get-Kept $deploy | Should -Be @($first.Version, $again.Version)

        $back = & $Update -Rollback -DeployPath $deploy
        $back.Version | Should -Be $first.Version
        $back.RolledBackFrom | Should -Be $again.Version
        (Get-Promotion $deploy).run_path | Should -Be $first.RunPath
        (Get-VaeRecommendation -Path $deploy -UserId 0 -Top 3).Count | Should -Be 3
        { & $Update -Rollback -DeployPath $deploy } | Should -Throw "*no earlier one to roll back to*"
        Get-Served $deploy | Should -Be $first.Version
        Get-Leftovers $deploy | Should -BeNullOrEmpty
    }

    It 'serves a complete model to a reader throughout 20 promotions, and keeps -Keep versions' {
        $deploy = Join-Path $TestDrive 'reader/current'
        $start = & $Update @Any -DeployPath $deploy
        $state = [hashtable]::Synchronized(@{ Stop = $false })
        $reader = [powershell]::Create().AddScript({
                param([string] $Deploy, [hashtable] $State)
                $reads = 0
                $problems = [Collections.Generic.List[string]]::new()
                while (-not $State.Stop) {
                    try {
                        $card = [IO.File]::ReadAllText([IO.Path]::Combine($Deploy, 'model.json')) | ConvertFrom-Json
                        if ($card.item_count -le 0) { $problems.Add('model.json without an item count') }
                        $promotion = [IO.File]::ReadAllText([IO.Path]::Combine($Deploy, 'promotion.json')) | ConvertFrom-Json
                        if ($promotion.ndcg_at_100 -le 0) { $problems.Add('promotion.json without NDCG') }
                        if (-not [IO.File]::Exists([IO.Path]::Combine($Deploy, 'recommender.onnx'))) { $problems.Add('no recommender.onnx') }
                    }
                    catch { $problems.Add($_.Exception.Message) }
                    $reads++
                }
                [pscustomobject]@{ Reads = $reads; Problems = $problems.ToArray() }
            }).AddArgument($deploy).AddArgument($state)
        $reading = $reader.BeginInvoke()
        try {
            $promotions = 1..20 | ForEach-Object { & $Update @Any -DeployPath $deploy -Keep 3 }
        }
        finally {
            $state.Stop = $true
            $seen = $reader.EndInvoke($reading)[0]
            $reader.Dispose()
        }

        $promotions.Promoted | Should -Not -Contain $false
        $seen.Problems | Should -BeNullOrEmpty
        $seen.Reads | Should -BeGreaterThan 100
        Get-Kept $deploy | Should -Be @($promotions[-3..-1].Version)
        $start.Version | Should -Not -BeIn (Get-Kept $deploy)
        Get-Served $deploy | Should -Be $promotions[-1].Version
        Get-Leftovers $deploy | Should -BeNullOrEmpty
    }

    It 'keeps serving what a crash between the steps left, and the next run cleans it up' {
        $deploy = Join-Path $TestDrive 'crash/current'
        $versions = "$deploy.versions"
        $served = (& $Update @Any -DeployPath $deploy).Version

        # As if killed: after the new version's copy began; after its link was made, before the switch;
        # in the middle of deleting an old version.
        $orphan = '99991231-235959-999-orphan'
        Copy-Item -Recurse (Join-Path $versions $served) (Join-Path $versions $orphan)
        New-Item -ItemType Directory (Join-Path $versions ".staging-$orphan") | Out-Null
        Set-Content (Join-Path $versions ".staging-$orphan/model.json") '{"item_c'
        New-Item -ItemType Directory (Join-Path $versions '.removing-old') | Out-Null
        [IO.Directory]::CreateSymbolicLink("$deploy.tmp-killed", "current.versions/$orphan") | Out-Null

        Get-Served $deploy | Should -Be $served
        (Test-VaeModel -Path $deploy).NdcgAt100 | Should -Be $tiny.NdcgAt100
        { & $Update -Rollback -DeployPath $deploy } | Should -Throw '*no earlier one*'
        Get-Leftovers $deploy | Should -BeNullOrEmpty
        Get-Kept $deploy | Should -Be @($served)

        # Killed in the instant a switch leaves no link (Windows, or the move of an old-style deploy):
        # the next run finishes the switch, even when it promotes nothing.
        $next = & $Update @Any -DeployPath $deploy
        [IO.Directory]::CreateSymbolicLink("$deploy.tmp-killed", "current.versions/$served") | Out-Null
        [IO.File]::Delete($deploy)
        $refused = & $Update -ModelPath $tiny.RunPath -DeployPath $deploy -MinimumLift 100 -WarningAction SilentlyContinue
        $refused.Promoted | Should -BeFalse
        Get-Served $deploy | Should -Be $served
        Get-Leftovers $deploy | Should -BeNullOrEmpty
        Get-Kept $deploy | Should -Be @($served) # the version it had switched from is newer: dropped
        $next.Version | Should -Not -BeIn (Get-Kept $deploy)
    }

    It 'serves a complete model when the promoting process is killed at a random point' {
        $deploy = Join-Path $TestDrive 'killed/current'
        $null = & $Update @Any -DeployPath $deploy
        $loop = Join-Path $TestDrive 'promote-forever.ps1'
        Set-Content $loop "while (`$true) { & '$Update' -ModelPath '$($tiny.RunPath)' -MinimumLift -1 -DeployPath '$deploy' -ModulePath '$ModulePath' | Out-Null }"
        $executable = [Environment]::ProcessPath
        $start = [Diagnostics.ProcessStartInfo]::new($executable)
        # Under `dotnet pwsh` the host is dotnet, and the first argument pwsh.dll.
        if ([IO.Path]::GetFileNameWithoutExtension($executable) -eq 'dotnet') { $start.ArgumentList.Add([Environment]::GetCommandLineArgs()[0]) }
        foreach ($argument in '-NoProfile', '-File', $loop) { $start.ArgumentList.Add($argument) }
        $before = Get-Served $deploy
        $child = [Diagnostics.Process]::Start($start)
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while ((Get-Served $deploy) -eq $before -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
            Get-Served $deploy | Should -Not -Be $before -Because 'the child promotes within a minute'
            Start-Sleep -Milliseconds (Get-Random -Minimum 0 -Maximum 1500)
        }
        finally {
            $child.Kill($true)
            $child.WaitForExit()
        }
        (Test-VaeModel -Path $deploy).NdcgAt100 | Should -Be $tiny.NdcgAt100
        $next = & $Update @Any -DeployPath $deploy
        Get-Served $deploy | Should -Be $next.Version
        Get-Leftovers $deploy | Should -BeNullOrEmpty
    }

    It 'moves an old-style deploy (a folder and its .previous) into versions, losing nothing' {
        $deploy = Join-Path $TestDrive 'old-style/current'
        New-Item -ItemType Directory (Split-Path $deploy) | Out-Null
        Copy-Item -Recurse $tiny.ModelPath $deploy
        Copy-Item -Recurse $tiny.ModelPath "$deploy.previous"
        Set-Content (Join-Path $deploy 'promotion.json') (@{ run_path = 'served'; ndcg_at_100 = $tiny.NdcgAt100; promoted_utc = '2026-01-02T03:04:05Z' } | ConvertTo-Json)
        Set-Content (Join-Path "$deploy.previous" 'promotion.json') (@{ run_path = 'before'; ndcg_at_100 = 0.01; promoted_utc = '2026-01-01T03:04:05Z' } | ConvertTo-Json)

        $promoted = & $Update @Any -DeployPath $deploy
        $promoted.ServedNdcgAt100 | Should -Be $tiny.NdcgAt100
        $kept = Get-Kept $deploy
        $kept.Count | Should -Be 3
        $kept[0] | Should -BeLike '20260101-030405-000-*'
        $kept[1] | Should -BeLike '20260102-030405-000-*'
        "$deploy.previous" | Should -Not -Exist
        (& $Update -Rollback -DeployPath $deploy).Version | Should -Be $kept[1]
        (Get-Promotion $deploy).run_path | Should -Be 'served'
        (& $Update -Rollback -DeployPath $deploy).Version | Should -Be $kept[0]
        (Get-Promotion $deploy).run_path | Should -Be 'before'
    }

    It 'gives a run started in the same second as an earlier one a folder of its own' {
        $runs = Join-Path $TestDrive 'same-second-runs'
        $now = Get-Date -AsUTC
        $taken = 0..30 | ForEach-Object { Join-Path $runs "quickstart-$($now.AddSeconds($_).ToString('yyyyMMdd-HHmmss'))" }
        foreach ($folder in $taken) { New-Item -ItemType File -Force (Join-Path $folder 'earlier.txt') | Out-Null }
        $result = & $Update -Config $QuickstartConfig -DeployPath (Join-Path $TestDrive 'same-second/current') -RunsPath $runs -Set $TinyRun -WarningAction SilentlyContinue
        $result.RunPath | Should -Match '-2$'
        $taken | Should -Contain ($result.RunPath -replace '-2$')
        foreach ($folder in $taken) { Get-ChildItem $folder | Select-Object -ExpandProperty Name | Should -Be 'earlier.txt' }
    }

    It 'writes nothing with -WhatIf' {
        $deploy = Join-Path $TestDrive 'what-if/current'
        & $Update -Config $QuickstartConfig -DeployPath $deploy -RunsPath (Join-Path $TestDrive 'what-if-runs') -WhatIf
        & $Update -ModelPath $good.RunPath -DeployPath $deploy -WhatIf
        & $Update -Rollback -DeployPath $deploy -WhatIf
        Join-Path $TestDrive 'what-if' | Should -Not -Exist
        Join-Path $TestDrive 'what-if-runs' | Should -Not -Exist
    }
}

Describe 'scripts/Compare-Models.ps1' {
    It 'trains each model for each seed, keeps finished runs, and prints the mean and spread beside popularity' {
        $compare = Join-Path $PSScriptRoot '../../scripts/Compare-Models.ps1'
        $work = Join-Path $TestDrive 'compare'
        $json = Join-Path $TestDrive 'runs.json'
        # EASE with one λ: the quickest real model on ml-latest-small.
        $table = & $compare -Models ease -Seeds 1, 2 -WorkPath $work -Set 'model.ease.lambda=200' -Json $json 6>$null | Out-String

        $runs = @(Get-Content $json -Raw | ConvertFrom-Json)
        $runs.Seed | Should -Be @(1, 2)
        foreach ($run in $runs) {
            $manifest = Get-Content (Join-Path $run.Path 'manifest.json') -Raw | ConvertFrom-Json
            $run.NdcgAt100 | Should -Be $manifest.test.ndcg_at100
            $run.PopularityNdcgAt100 | Should -Be $manifest.test.popularity_ndcg_at100
            $manifest.history[0].settings.lambda | Should -Be 200
        }
        $runs[0].NdcgAt100 | Should -Not -Be $runs[1].NdcgAt100   # another seed, another split
        $mean = ($runs.NdcgAt100 | Measure-Object -Average).Average.ToString('0.000', [cultureinfo]::InvariantCulture)
        $table | Should -Match "ease\s+2\s+$([regex]::Escape($mean)) ± "
        $table | Should -Match 'popularity\s+2\s+0\.\d{3} ± '

        # A finished run is kept, not trained again.
        $manifestPath = Join-Path $work 'seed-1/ease/manifest.json'
        $written = (Get-Item $manifestPath).LastWriteTimeUtc
        & $compare -Models ease -Seeds 1 -WorkPath $work -Set 'model.ease.lambda=200' 6>$null | Out-Null
        (Get-Item $manifestPath).LastWriteTimeUtc | Should -Be $written
    }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Update = Join-Path $PSScriptRoot '../../scripts/Update-VaeModel.ps1'
}

Describe 'scripts/Update-VaeModel.ps1' {
    It 'promotes a model that beats popularity, refuses a worse one, and keeps the model it replaces' {
        $deploy = Join-Path $TestDrive 'serving/current'
        New-Item -ItemType Directory (Split-Path $deploy) | Out-Null
        $runs = Join-Path $TestDrive 'runs'

        $first = & $Update -Config $QuickstartConfig -DeployPath $deploy -RunsPath $runs -Set training.epochs=8
        $first.Promoted | Should -BeTrue
        Join-Path $deploy 'recommender.onnx' | Should -Exist
        (Get-Content (Join-Path $deploy 'promotion.json') -Raw | ConvertFrom-Json).ndcg_at_100 | Should -Be $first.NdcgAt100
        (Test-VaeModel -Path $deploy).NdcgAt100 | Should -Be $first.NdcgAt100

        # One epoch learns much less: below the served model, so it is not promoted and nothing moves.
        $worse = & $Update -Config $QuickstartConfig -DeployPath $deploy -RunsPath $runs -Set training.epochs=1 -WarningAction SilentlyContinue
        $worse.Promoted | Should -BeFalse
        $worse.Reasons -join ' ' | Should -Match 'below the served model'
        (Get-Content (Join-Path $deploy 'promotion.json') -Raw | ConvertFrom-Json).run_path | Should -Be $first.RunPath
        "$deploy.previous" | Should -Not -Exist

        # As good as the served model (the same settings give the same model): promoted, the old one kept.
        $again = & $Update -Config $QuickstartConfig -DeployPath $deploy -RunsPath $runs -Set training.epochs=8
        $again.Promoted | Should -BeTrue
        (Get-Content (Join-Path $deploy 'promotion.json') -Raw | ConvertFrom-Json).run_path | Should -Be $again.RunPath
        (Get-Content (Join-Path "$deploy.previous" 'promotion.json') -Raw | ConvertFrom-Json).run_path | Should -Be $first.RunPath
    }

    It 'gives a run started in the same second as an earlier one a folder of its own' {
        $runs = Join-Path $TestDrive 'same-second-runs'
        $now = Get-Date -AsUTC
        $taken = 0..30 | ForEach-Object { Join-Path $runs "quickstart-$($now.AddSeconds($_).ToString('yyyyMMdd-HHmmss'))" }
        foreach ($folder in $taken) { New-Item -ItemType File -Force (Join-Path $folder 'earlier.txt') | Out-Null }
        $result = & $Update -Config $QuickstartConfig -DeployPath (Join-Path $TestDrive 'same-second/current') -RunsPath $runs -Set $TinyRun
        $result.RunPath | Should -Match '-2$'
        $taken | Should -Contain ($result.RunPath -replace '-2$')
        foreach ($folder in $taken) { Get-ChildItem $folder | Select-Object -ExpandProperty Name | Should -Be 'earlier.txt' }
    }

    It 'writes nothing with -WhatIf' {
        $deploy = Join-Path $TestDrive 'what-if/current'
        & $Update -Config $QuickstartConfig -DeployPath $deploy -RunsPath (Join-Path $TestDrive 'what-if-runs') -WhatIf
        Join-Path $TestDrive 'what-if' | Should -Not -Exist
        Join-Path $TestDrive 'what-if-runs' | Should -Not -Exist
    }
}

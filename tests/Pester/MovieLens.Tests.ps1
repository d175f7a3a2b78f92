# Integration on real data: ml-latest-small from ../shared (configs/ml-latest-small.yaml finds it there).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    # 40 of the config's 100 epochs keep this under half a minute; the model is already well ahead by then.
    $script:run = Invoke-VaeTraining -Config $MovieLensConfig -OutputPath (Join-Path $TestDrive 'ml-latest-small') -Set training.epochs=40
    $script:evaluation = $run | Test-VaeModel
}

Describe 'Mult-VAE on ml-latest-small' {
    It 'trains on the real data set' {
        $run.Dataset | Should -Be 'ml-latest-small'
        $run.Epochs | Should -Be 40
        (Get-Manifest $run.RunPath).status | Should -Be 'completed'
        $evaluation.Users | Should -Be 60
    }

    It 'beats the popularity baseline by a wide margin' {
        # Full runs give NDCG@100 of about 0.32 against 0.22 for popularity.
        $evaluation.NdcgAt100 | Should -BeGreaterThan (1.2 * $evaluation.PopularityNdcgAt100)
        $evaluation.NdcgAt100 | Should -BeGreaterThan 0.27
        $evaluation.RecallAt50 | Should -BeGreaterThan $evaluation.PopularityRecallAt50
    }

    It 'recommends movies by title' {
        $rows = Get-VaeRecommendation -Path $run.ModelPath -UserId '1' -Top 10
        $rows | Should -HaveCount 10
        $rows | ForEach-Object Rank | Should -Be (1..10)
        $rows | ForEach-Object { $_.ItemName | Should -Match '^.+ \(\d{4}\)$' }
    }

    It 'recommends from a new user''s favourite films, leaving those out' {
        # Toy Story, Star Wars IV and V, The Matrix.
        $history = '1', '260', '1196', '2571'
        $rows = Get-VaeRecommendation -Path $run.ModelPath -ItemId $history -Top 10
        $rows | Should -HaveCount 10
        $rows.ItemId | Where-Object { $_ -in $history } | Should -BeNullOrEmpty
        $rows.ItemName | Should -Not -Contain 'Toy Story (1995)'
    }
}

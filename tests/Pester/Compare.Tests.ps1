# Compare-VaeModel on real tiny runs: two model types on the same data, one on another split, a failed run.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:runs = Join-Path $TestDrive 'runs'
    $script:vae = Invoke-VaeTraining -Config $QuickstartConfig -OutputPath (Join-Path $runs 'vae') -Set $TinyRun
    $script:dae = Invoke-VaeTraining -Config $QuickstartConfig -OutputPath (Join-Path $runs 'dae') -Set ($TinyRun + 'model.type=dae')
    $script:otherSeed = Invoke-VaeTraining -Config $QuickstartConfig -OutputPath (Join-Path $TestDrive 'other/seed7') -Set ($TinyRun + 'seed=7')

    # A run that failed after training: its manifest has no test evaluation.
    $script:failed = Join-Path $TestDrive 'with-failed/failed'
    New-Item -ItemType Directory (Split-Path $failed) | Out-Null
    Copy-Item $vae.RunPath $failed -Recurse
    $manifest = Get-Content (Join-Path $failed 'manifest.json') -Raw | ConvertFrom-Json -AsHashtable
    $manifest.status = 'failed'
    $manifest.error = 'disk full'
    $manifest.Remove('test')
    $manifest | ConvertTo-Json -Depth 20 | Set-Content (Join-Path $failed 'manifest.json')
    Copy-Item $dae.RunPath (Join-Path $TestDrive 'with-failed/dae') -Recurse
}

Describe 'Compare-VaeModel' {
    It 'compares the runs of a folder from the pipeline, best NDCG@100 first, with the values their manifests recorded' {
        $rows = @(Get-ChildItem $runs | Compare-VaeModel)

        $rows.Count | Should -Be 2
        $rows | ForEach-Object { $_ | Should -BeOfType ([VaeToolkit.PowerShell.VaeComparedRun]) }
        $rows.ForEach('Rank') | Should -Be @(1, 2) # not $rows.Rank: that is the array's own Rank
        $expected = @($vae, $dae | Sort-Object NdcgAt100 -Descending)
        $rows.RunPath | Should -Be $expected.RunPath
        foreach ($row in $rows) {
            $manifest = Get-Manifest $row.RunPath
            $card = Get-Content (Join-Path $row.RunPath 'model/model.json') -Raw | ConvertFrom-Json
            $row.NdcgAt100 | Should -Be $manifest.test.ndcg_at100
            $row.RecallAt20 | Should -Be $manifest.test.recall_at20
            $row.RecallAt50 | Should -Be $manifest.test.recall_at50
            $row.BestEpoch | Should -Be $manifest.best_epoch
            $row.TrainingTime.TotalSeconds | Should -BeGreaterThan 0
            [math]::Abs($row.TrainingTime.TotalSeconds - $manifest.timings_seconds.train) | Should -BeLessThan 0.001
            $row.ModelType | Should -Be $card.model_type
            $row.DataHash | Should -Be $manifest.data.data_hash
            $row.ModelBytes | Should -Be ((Get-ChildItem (Join-Path $row.RunPath 'model') -File | Measure-Object Length -Sum).Sum)
            $row.PopularityNdcgAt100 | Should -Be $manifest.test.popularity_ndcg_at100
        }
        ($rows | Where-Object ModelType -EQ 'dae').Name | Should -Be 'dae'
    }

    It 'expands wildcards in -Path' {
        $rows = @(Compare-VaeModel -Path (Join-Path $runs '*'))
        $rows.Name | Sort-Object | Should -Be @('dae', 'vae')
    }

    It 'takes Invoke-VaeTraining results from the pipeline' {
        $rows = @($dae, $vae | Compare-VaeModel)
        $rows.RunPath | Sort-Object | Should -Be (@($dae.RunPath, $vae.RunPath) | Sort-Object)
    }

    It 'writes an error for a run without a test evaluation and compares the others' {
        $rows = @(Get-ChildItem (Join-Path $TestDrive 'with-failed') | Compare-VaeModel -ErrorVariable errors -ErrorAction SilentlyContinue)

        $rows.Name | Should -Be @('dae')
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'RunNotEvaluated,VaeToolkit.PowerShell.CompareVaeModelCommand'
        $errors[0].TargetObject | Should -Be $failed
        $errors[0].Exception.Message | Should -Be "run '$failed' has no test evaluation: it failed (disk full)"
    }

    It 'refuses runs on another split with a terminating error naming them' {
        $err = { Compare-VaeModel -Path $vae.RunPath, $dae.RunPath, $otherSeed.RunPath } | Should -Throw -ErrorId 'RunsNotComparable,VaeToolkit.PowerShell.CompareVaeModelCommand' -PassThru
        $err.Exception.Message | Should -Match 'cannot compare runs trained on different data or splits \(they differ in data hash\)'
        $err.Exception.Message | Should -Match ([regex]::Escape("'$($otherSeed.RunPath)'"))
        $err.Exception.Message | Should -Match ([regex]::Escape("'$($vae.RunPath)'"))
    }

    It 'shows the data and the popularity baseline once, above a table of the runs' {
        $text = Compare-VaeModel -Path $vae.RunPath, $dae.RunPath | Out-String -Width 250
        $manifest = Get-Manifest $vae.RunPath
        $popularity = '{0:F4}' -f $manifest.test.popularity_ndcg_at100
        ([regex]::Matches($text, 'popularity baseline NDCG@100 ' + [regex]::Escape($popularity))).Count | Should -Be 1
        $text | Should -Match 'Data: synthetic \(data hash [0-9a-f]{12}, 200 items, 40 test users\)'
        $text | Should -Match 'Rank\s+Name\s+Model\s+NDCG@100\s+Recall@20\s+Recall@50\s+Best\s+Epochs\s+Training\s+Total\s+MB\s+RunPath'
        $text | Should -Match ('1\s+\S+\s+(vae|dae)\s+' + [regex]::Escape(('{0:F4}' -f [math]::Max($vae.NdcgAt100, $dae.NdcgAt100))))
    }
}

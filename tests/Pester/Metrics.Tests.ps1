# Metrics beyond NDCG@100 and Recall@20/50: evaluation.metrics in the config, -Metric on Test-VaeModel.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    # A tiny run that selects its own metrics: its manifest and a later Test-VaeModel report them.
    $script:run = Invoke-VaeTraining -Config $QuickstartConfig -OutputPath (Join-Path $TestDrive 'metrics') -Set ($TinyRun + 'evaluation.metrics=[precision@10, coverage@100]')
}

Describe 'Metrics' {
    It 'Test-VaeModel -Metric precision@10, mrr@100 returns those metrics for the model and both baselines' {
        $evaluation = $run | Test-VaeModel -Metric precision@10, mrr@100

        @($evaluation.Metrics.Keys) | Should -Be @('precision@10', 'mrr@100')
        @($evaluation.PopularityMetrics.Keys) | Should -Be @('precision@10', 'mrr@100')
        @($evaluation.EaseMetrics.Keys) | Should -Be @('precision@10', 'mrr@100')
        foreach ($metrics in $evaluation.Metrics, $evaluation.PopularityMetrics, $evaluation.EaseMetrics) {
            foreach ($value in $metrics.Values) { $value | Should -BeGreaterThan 0; $value | Should -BeLessOrEqual 1 }
        }
        # The three reported as ever are unchanged by -Metric.
        $evaluation.NdcgAt100 | Should -Be $run.NdcgAt100
    }

    It 'Test-VaeModel without -Metric reports the run''s evaluation.metrics, as the manifest does' {
        $evaluation = $run | Test-VaeModel -NoBaseline
        @($evaluation.Metrics.Keys) | Should -Be @('precision@10', 'coverage@100')
        $evaluation.EaseMetrics | Should -BeNullOrEmpty

        $saved = (Get-Manifest $run.RunPath).test
        $saved.metrics.'precision@10' | Should -Be $evaluation.Metrics['precision@10']
        $saved.metrics.'coverage@100' | Should -Be $evaluation.Metrics['coverage@100']
        $saved.popularity_metrics.'precision@10' | Should -Be $evaluation.PopularityMetrics['precision@10']
        # The popularity baseline recommends nearly the same 100 items to everyone: it covers less of the catalogue.
        $evaluation.Metrics['coverage@100'] | Should -BeGreaterThan $evaluation.PopularityMetrics['coverage@100']
    }

    It 'an unknown metric stops Test-VaeModel with an error listing the known ones' {
        { $run | Test-VaeModel -Metric precision@10, hits@10 -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "*unknown metric 'hits@10'*ndcg@k, recall@k, precision@k, mrr@k, map@k, hit_rate@k, coverage@k*"
        $error[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,VaeToolkit.PowerShell.TestVaeModelCommand'
        { $run | Test-VaeModel -Metric precision@500 -ErrorAction Stop } | Should -Throw -ExpectedMessage '*k must be from 1 to 100*'
    }
}

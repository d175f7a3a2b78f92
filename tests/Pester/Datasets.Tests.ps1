BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:MovieLensSmall = Join-Path $RepoRoot '../shared/datasets/ml-latest-small'
}

Describe 'Get-VaeDataset' {
    It 'prepares ml-latest-small as the paper does and reports the data set table row' {
        $report = Get-VaeDataset ml-latest-small -Source $MovieLensSmall -Set data.heldout_users=60 -Force
        $report | Should -BeOfType ([VaeToolkit.Data.DatasetReport])
        $report.FromCache | Should -BeFalse
        # 603 users keep at least 5 ratings above 3.5; the items are the 483 training users' items.
        $report.Users | Should -Be 603
        $report.TrainUsers, $report.ValidationUsers, $report.TestUsers | Should -Be @(483, 60, 60)
        $report.Items | Should -Be 5830
        $report.Density | Should -Be ($report.Interactions / ($report.Users * $report.Items))
        $report.ItemsPerUser.P10 | Should -BeLessOrEqual $report.ItemsPerUser.P50
        $report.ItemsPerUser.P50 | Should -BeLessOrEqual $report.ItemsPerUser.P90
        $report.ItemsPerUser.Min | Should -BeGreaterOrEqual 5
    }

    It 'loads the second preparation from the cache, with the same figures' {
        $first = Get-VaeDataset ml-latest-small -Source $MovieLensSmall -Set data.heldout_users=60
        $again = Get-VaeDataset ml-latest-small -Source $MovieLensSmall -Set data.heldout_users=60
        $again.FromCache | Should -BeTrue
        $again.DataHash | Should -Be $first.DataHash
        $again.Interactions | Should -Be $first.Interactions
    }

    It 'takes names from the pipeline, and a missing data set is an error while the others are reported' {
        $reports = 'netflix', 'synthetic' | Get-VaeDataset -Set "data.data_dir=$TestDrive" -ErrorVariable failures -ErrorAction SilentlyContinue
        @($reports).Count | Should -Be 1
        $reports.Name | Should -Be 'synthetic'
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'DataNotFound,VaeToolkit.PowerShell.GetVaeDatasetCommand'
        $failures[0].Exception.Message | Should -Match 'no public download'
        $failures[0].Exception.Message | Should -Match ([regex]::Escape($TestDrive))
    }

    It 'prepares the data section of a config file' {
        $report = Get-VaeDataset -Config $QuickstartConfig -Set data.synthetic.users=1200
        $report.Name | Should -Be 'synthetic'
        $report.Users | Should -Be 1200
        $report.ValidationUsers | Should -Be 500
    }
}

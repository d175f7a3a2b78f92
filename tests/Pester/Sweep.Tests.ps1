# Invoke-VaeSweep on tiny quick-start runs (one epoch each), and -AsJob on the training cmdlets.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Tiny = @($TinyRun) + 'training.epochs=1'
    $script:Grid = @{ 'training.lam' = 0, 0.01; 'model.dropout' = 0.3, 0.5 }
}

Describe 'Invoke-VaeSweep' {
    BeforeAll {
        $script:folder = Join-Path $TestDrive 'grid'
        $script:trials = Invoke-VaeSweep -Config $QuickstartConfig -Grid $Grid -OutputPath TestDrive:/grid -Set $Tiny -ThrottleLimit 2
    }

    It 'trains every combination of the grid, two at a time, each in a run folder of its own' {
        $trials | Should -HaveCount 4
        $trials | ForEach-Object { $_ | Should -BeOfType ([VaeToolkit.PowerShell.VaeSweepTrial]) }
        @($trials.Name | Sort-Object) | Should -Be @('001-dropout=0.3-lam=0', '002-dropout=0.3-lam=0.01', '003-dropout=0.5-lam=0', '004-dropout=0.5-lam=0.01')
        foreach ($trial in $trials) {
            $trial.Status | Should -Be 'trained'
            $trial.RunPath | Should -Be (Join-Path $folder $trial.Name)
            $manifest = Get-Manifest $trial.RunPath
            $manifest.status | Should -Be 'completed'
            $manifest.history.Count | Should -Be 1
            $trial.ValidationNdcgAt100 | Should -Be $manifest.best_validation_ndcg_at100
            $trial.TestNdcgAt100 | Should -Be $manifest.test.ndcg_at100
            Get-Content (Join-Path $trial.RunPath 'config.yaml') -Raw | Should -Match "dropout: $($trial.Settings['model.dropout'])"
        }
    }

    It 'writes the trials best validation NDCG@100 first, the best flagged, and the table beside them' {
        $trials.ForEach('Rank') | Should -Be @(1, 2, 3, 4) # not $trials.Rank: that is the array's own Rank
        $scores = $trials.ValidationNdcgAt100
        $scores | Should -Be ($scores | Sort-Object -Descending)
        @($trials | Where-Object IsBest).Name | Should -Be $trials[0].Name
        $json = Get-Content (Join-Path $folder 'sweep.json') -Raw | ConvertFrom-Json
        $json.best | Should -Be $trials[0].Name
        $json.trials.name | Should -Be $trials.Name
        $csv = Import-Csv (Join-Path $folder 'sweep.csv')
        $csv.trial | Should -Be $trials.Name
        $csv[0].'model.dropout' | Should -Be $trials[0].Settings['model.dropout']
    }

    It 'trains nothing again when the same sweep runs again, here as a job' {
        $written = $trials | ForEach-Object { (Get-Item (Join-Path $_.RunPath 'manifest.json')).LastWriteTimeUtc }
        $job = Invoke-VaeSweep -Config $QuickstartConfig -Grid $Grid -OutputPath TestDrive:/grid -Set $Tiny -AsJob
        $again = $job | Receive-Job -Wait -AutoRemoveJob
        $again | Should -HaveCount 4
        $again[0] | Should -BeOfType ([VaeToolkit.PowerShell.VaeSweepTrial])
        $again.Status | Sort-Object -Unique | Should -Be 'skipped'
        $again.Name | Should -Be $trials.Name
        ($trials | ForEach-Object { (Get-Item (Join-Path $_.RunPath 'manifest.json')).LastWriteTimeUtc }) | Should -Be $written
    }

    It 'refuses another grid for the same folder' {
        $err = { Invoke-VaeSweep -Config $QuickstartConfig -Grid @{ 'training.lam' = 0, 0.1 } -OutputPath TestDrive:/grid -Set $Tiny } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'SweepPlanChanged,VaeToolkit.PowerShell.InvokeVaeSweepCommand'
        $err.Exception.Message | Should -Match 'another plan'
    }

    It 'stops at a bad key with the config loader''s error, before any trial' {
        $err = { Invoke-VaeSweep -Config $QuickstartConfig -Grid @{ 'training.lamb' = 0, 1 } -OutputPath TestDrive:/bad -Set $Tiny } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'InvalidConfig,VaeToolkit.PowerShell.InvokeVaeSweepCommand'
        $err.Exception.Message | Should -Match "lamb"
        Join-Path $TestDrive 'bad' | Should -Not -Exist
    }

    It 'refuses a range in a grid, naming the key' {
        $err = { Invoke-VaeSweep -Config $QuickstartConfig -Grid @{ 'training.lam' = @{ Min = 0; Max = 1 } } -OutputPath TestDrive:/range } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'InvalidArgument,VaeToolkit.PowerShell.InvokeVaeSweepCommand'
        $err.Exception.Message | Should -Match "training.lam"
    }

    It 'draws a seeded random search within its ranges' {
        $space = @{ 'training.learning_rate' = @{ Min = 1e-3; Max = 1e-2; Scale = 'Log' }; 'training.lam' = 0, 0.01 }
        $drawn = Invoke-VaeSweep -Config $QuickstartConfig -Space $space -Samples 2 -Seed 5 -OutputPath TestDrive:/random -Set $Tiny
        $drawn | Should -HaveCount 2
        foreach ($trial in $drawn) {
            [double]$trial.Settings['training.learning_rate'] | Should -BeGreaterOrEqual 1e-3
            [double]$trial.Settings['training.learning_rate'] | Should -BeLessOrEqual 1e-2
            $trial.Settings['training.lam'] | Should -BeIn @('0', '0.01')
        }
        $again = Invoke-VaeSweep -Config $QuickstartConfig -Space $space -Samples 2 -Seed 5 -OutputPath TestDrive:/random -Set $Tiny
        $again.Status | Sort-Object -Unique | Should -Be 'skipped'
        @($again.Name | Sort-Object) | Should -Be @($drawn.Name | Sort-Object)
    }
}

Describe '-AsJob' {
    It 'returns a job at once whose Receive-Job gives the VaeTrainingResult itself, with progress' {
        $job = Invoke-VaeTraining -Config $QuickstartConfig -OutputPath TestDrive:/job -Set $TinyRun -AsJob
        $job | Should -BeOfType ([System.Management.Automation.Job])
        $job.PSJobTypeName | Should -Be 'VaeToolkitJob'
        (Get-Job -Id $job.Id).Id | Should -Be $job.Id
        $null = $job | Wait-Job -Timeout 300
        $job.State | Should -Be 'Completed'
        $job.Progress.Count | Should -BeGreaterThan 0
        $result = $job | Receive-Job -AutoRemoveJob -Wait
        $result | Should -BeOfType ([VaeToolkit.PowerShell.VaeTrainingResult]) # not a Deserialized copy
        $result.RunPath | Should -Be (Join-Path $TestDrive 'job')
        (Get-Manifest $result.RunPath).status | Should -Be 'completed'
    }

    It 'Measure-VaeTraining -AsJob returns its report' {
        $report = Measure-VaeTraining -Config $QuickstartConfig -Set $TinyRun -AsJob | Receive-Job -Wait -AutoRemoveJob
        $report | Should -BeOfType ([VaeToolkit.Orchestration.Benchmarks.BenchmarkReport])
        $report.Epochs | Should -Be 2
    }

    It 'Stop-Job stops the training after its current batch, leaving a checkpoint to resume from' {
        $run = Join-Path $TestDrive 'stopped'
        $job = Invoke-VaeTraining -Config $QuickstartConfig -OutputPath $run -Set ($TinyRun + 'training.epochs=1000', 'training.checkpoint_step=1') -AsJob
        $checkpoint = Join-Path $run 'checkpoints/last.ckpt'
        $deadline = [datetime]::UtcNow.AddSeconds(120)
        while (-not (Test-Path $checkpoint) -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        $checkpoint | Should -Exist
        $job | Stop-Job
        $job.State | Should -Be 'Stopped'
        $manifest = Get-Manifest $run
        $manifest.status | Should -Be 'interrupted'
        $manifest.history.Count | Should -BeLessThan 1000
        $job | Remove-Job
        $epochs = $manifest.history.Count + 1
        $resumed = Invoke-VaeTraining -Config $QuickstartConfig -OutputPath $run -Resume -Set ($TinyRun + "training.epochs=$epochs", 'training.checkpoint_step=1')
        $resumed.Epochs | Should -Be $epochs
        (Get-Manifest $run).sessions[1].resumed | Should -BeTrue
    }

    It 'Stop-Job stops a sweep''s running trial, which the table records as interrupted' {
        $folder = Join-Path $TestDrive 'stopped-sweep'
        $job = Invoke-VaeSweep -Config $QuickstartConfig -Grid @{ 'model.dropout' = 0.5 } -OutputPath $folder -Set ($TinyRun + 'training.epochs=1000', 'training.checkpoint_step=1') -AsJob
        $checkpoint = Join-Path $folder '001-dropout=0.5/checkpoints/last.ckpt'
        $deadline = [datetime]::UtcNow.AddSeconds(120)
        while (-not (Test-Path $checkpoint) -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        $checkpoint | Should -Exist
        $job | Stop-Job
        $job.State | Should -Be 'Stopped'
        (Get-Manifest (Join-Path $folder '001-dropout=0.5')).status | Should -Be 'interrupted'
        (Get-Content (Join-Path $folder 'sweep.json') -Raw | ConvertFrom-Json).trials[0].status | Should -Be 'interrupted'
        $job | Remove-Job
    }

    It 'fails the command itself on a bad config, starting no job' {
        $before = @(Get-Job).Count
        { Invoke-VaeTraining -Config (Join-Path $TestDrive 'missing.yaml') -AsJob } | Should -Throw -ErrorId 'ConfigNotFound,VaeToolkit.PowerShell.InvokeVaeTrainingCommand'
        @(Get-Job).Count | Should -Be $before
    }

    It 'ends Failed with the error when the training fails inside the job' {
        $held = Join-Path $TestDrive 'held'
        $lock = [VaeToolkit.Orchestration.Runs.RunLock]::Acquire($held)
        try {
            $job = Invoke-VaeTraining -Config $QuickstartConfig -OutputPath $held -Set $TinyRun -AsJob
            $null = $job | Wait-Job -Timeout 120
            $job.State | Should -Be 'Failed'
            $job | Receive-Job -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $failures[0].FullyQualifiedErrorId | Should -Match '^RunInUse'
            $job | Remove-Job
        }
        finally {
            $lock.Dispose()
        }
    }
}

# End to end on the synthetic quick-start data: train, evaluate, recommend, resume, interrupt.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    # One real run shared by the tests below: ten epochs are enough for the synthetic tastes to show.
    Push-Location $TestDrive
    try {
        $script:run = Invoke-VaeTraining -Config $QuickstartConfig -OutputPath quickstart -Set training.epochs=10
    }
    finally {
        Pop-Location
    }
}

Describe 'Invoke-VaeTraining' {
    It 'returns a training result for the run directory, resolved from the PowerShell location' {
        $run | Should -BeOfType ([VaeToolkit.PowerShell.VaeTrainingResult])
        $run.RunPath | Should -Be (Join-Path $TestDrive 'quickstart')
        $run.ModelPath | Should -Be (Join-Path $TestDrive 'quickstart/model')
        $run.Dataset | Should -Be 'synthetic'
        $run.Epochs | Should -Be 10
        $run.BestEpoch | Should -BeIn (1..10)
        $run.Users | Should -Be 500
        $run.Duration | Should -BeGreaterThan ([timespan]::Zero)
    }

    It 'writes the resolved config, a completed manifest and the model' {
        Join-Path $run.RunPath 'config.yaml' | Should -Exist
        $manifest = Get-Manifest $run.RunPath
        $manifest.status | Should -Be 'completed'
        $manifest.history.Count | Should -Be 10
        $manifest.test.ndcg_at100 | Should -Be $run.NdcgAt100
        foreach ($file in 'recommender.onnx', 'encoder.onnx', 'model.json', 'items.tsv', 'users.vcsr', 'test-fold-in.vcsr', 'test-targets.vcsr') {
            Join-Path $run.ModelPath $file | Should -Exist
        }
        Join-Path $run.RunPath 'checkpoints/last.ckpt' | Should -Exist
    }

    It 'takes a path on a PowerShell drive' {
        $result = Invoke-VaeTraining -Config $QuickstartConfig -OutputPath TestDrive:/on-drive -Set $TinyRun
        $result.RunPath | Should -Be (Join-Path $TestDrive 'on-drive')
        (Get-Manifest $result.RunPath).status | Should -Be 'completed'
    }

    It 'puts a run without -OutputPath under runs/ in the current location' {
        $location = New-Item -ItemType Directory (Join-Path $TestDrive 'default-location')
        Push-Location $location
        try {
            $result = Invoke-VaeTraining -Config $QuickstartConfig -Set $TinyRun
        }
        finally {
            Pop-Location
        }
        Split-Path $result.RunPath -Parent | Should -Be (Join-Path $location 'runs')
        Split-Path $result.RunPath -Leaf | Should -Match '^quickstart-\d{8}-\d{6}$'
        (Get-Manifest $result.RunPath).status | Should -Be 'completed'
    }

    It 'gives each of four parallel runs started together a default folder of its own' {
        $location = New-Item -ItemType Directory (Join-Path $TestDrive 'parallel-default')
        $results = 1..4 | ForEach-Object -ThrottleLimit 4 -Parallel {
            Import-Module $using:ModulePath
            Set-Location $using:location
            Invoke-VaeTraining -Config $using:QuickstartConfig -Set $using:TinyRun
        }
        $results | Should -HaveCount 4
        @($results.RunPath | Sort-Object -Unique) | Should -HaveCount 4
        foreach ($result in $results) { (Get-Manifest $result.RunPath).status | Should -Be 'completed' }
    }

    It 'refuses a second training into a folder another one holds, naming the owner' {
        $held = Join-Path $TestDrive 'held'
        $lock = [VaeToolkit.Orchestration.Runs.RunLock]::Acquire($held)
        try {
            $err = { Invoke-VaeTraining -Config $QuickstartConfig -OutputPath $held -Set $TinyRun } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -Be 'RunInUse,VaeToolkit.PowerShell.InvokeVaeTrainingCommand'
            $err.CategoryInfo.Category | Should -Be 'ResourceBusy'
            $err.Exception.Message | Should -Match "process $PID on "
        }
        finally {
            $lock.Dispose()
        }
    }

    It 'writes nothing with -WhatIf' {
        $target = Join-Path $TestDrive 'what-if'
        $result = Invoke-VaeTraining -Config $QuickstartConfig -OutputPath $target -Set $TinyRun -WhatIf
        $result | Should -BeNullOrEmpty
        $target | Should -Not -Exist

        $location = New-Item -ItemType Directory (Join-Path $TestDrive 'what-if-default')
        Push-Location $location
        try {
            Invoke-VaeTraining -Config $QuickstartConfig -Set $TinyRun -WhatIf
        }
        finally {
            Pop-Location
        }
        Get-ChildItem $location -Force | Should -BeNullOrEmpty
    }

    It 'reports epochs on the verbose stream' {
        $verbose = Invoke-VaeTraining -Config $QuickstartConfig -OutputPath (Join-Path $TestDrive 'verbose') -Set $TinyRun -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -match '^Epoch \d/2: loss \d+\.\d+, validation NDCG@100 0\.\d{4}') | Should -HaveCount 2
        ($verbose.Message -match '^Preparing data set') | Should -HaveCount 1
    }

    It 'refuses a folder that already holds a run and leaves that run alone' {
        $before = Get-ChildItem $run.RunPath -Recurse -File | Select-Object FullName, Length, LastWriteTimeUtc
        $manifestHash = (Get-FileHash (Join-Path $run.RunPath 'manifest.json')).Hash

        { Invoke-VaeTraining -Config $QuickstartConfig -OutputPath $run.RunPath -Set $TinyRun -ErrorAction Stop } |
            Should -Throw -ErrorId 'RunDirectoryNotEmpty,VaeToolkit.PowerShell.InvokeVaeTrainingCommand'

        $after = Get-ChildItem $run.RunPath -Recurse -File | Select-Object FullName, Length, LastWriteTimeUtc
        Compare-Object $before $after -Property FullName, Length, LastWriteTimeUtc | Should -BeNullOrEmpty
        (Get-FileHash (Join-Path $run.RunPath 'manifest.json')).Hash | Should -Be $manifestHash
    }

    It 'says which folder it refused, as a ResourceExists error' {
        $err = { Invoke-VaeTraining -Config $QuickstartConfig -OutputPath $run.RunPath } | Should -Throw -PassThru
        $err.CategoryInfo.Category | Should -Be 'ResourceExists'
        $err.TargetObject | Should -Be $run.RunPath
        $err.Exception.Message | Should -Match ([regex]::Escape($run.RunPath))
        $err.Exception.Message | Should -Match 'resume'
    }
}

Describe 'Invoke-VaeTraining -Resume' {
    It 'continues a finished run to more epochs' {
        $copy = Join-Path $TestDrive 'resumed'
        Copy-Item $run.RunPath $copy -Recurse
        $result = Invoke-VaeTraining -Config $QuickstartConfig -OutputPath $copy -Resume -Set training.epochs=12
        $result.Epochs | Should -Be 12
        $manifest = Get-Manifest $copy
        $manifest.status | Should -Be 'completed'
        $manifest.history.epoch | Should -Be (1..12)
        # The first ten epochs come from the checkpoint, unchanged.
        $manifest.history[0..9].loss | Should -Be (Get-Manifest $run.RunPath).history.loss
    }

    It 'refuses other settings with the setting named, and leaves every file of the run as it was' {
        $before = Get-ChildItem $run.RunPath -Recurse -File | ForEach-Object { "$($_.FullName) $((Get-FileHash $_.FullName).Hash) $($_.LastWriteTimeUtc.Ticks)" }
        $err = { Invoke-VaeTraining -Config $QuickstartConfig -OutputPath $run.RunPath -Resume -Set training.epochs=12, training.learning_rate=0.01 } |
            Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'ResumeRefused,VaeToolkit.PowerShell.InvokeVaeTrainingCommand'
        $err.Exception.Message | Should -Match 'training\.learning_rate: 0\.001 -> 0\.01'
        $after = Get-ChildItem $run.RunPath -Recurse -File | ForEach-Object { "$($_.FullName) $((Get-FileHash $_.FullName).Hash) $($_.LastWriteTimeUtc.Ticks)" }
        $after | Should -Be $before
        (Get-Manifest $run.RunPath).status | Should -Be 'completed'
    }

    It 'refuses a folder without a checkpoint' {
        $empty = New-Item -ItemType Directory (Join-Path $TestDrive 'no-checkpoint')
        $err = { Invoke-VaeTraining -Config $QuickstartConfig -OutputPath $empty -Resume } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'CheckpointNotFound,VaeToolkit.PowerShell.InvokeVaeTrainingCommand'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.Exception.Message | Should -Match 'checkpoint'
        Get-ChildItem $empty | Should -BeNullOrEmpty
    }
}

Describe 'Progress' {
    It 'Invoke-VaeTraining reports epochs with loss and validation NDCG, and batches as their children' {
        $ps = New-ModulePowerShell
        try {
            $null = $ps.AddCommand('Invoke-VaeTraining').AddParameter('Config', $QuickstartConfig).
                AddParameter('OutputPath', (Join-Path $TestDrive 'progress')).AddParameter('Set', @($TinyRun + 'training.batch_size=100'))
            $null = $ps.Invoke()
            $ps.HadErrors | Should -BeFalse
            $records = @($ps.Streams.Progress)
        }
        finally {
            $ps.Dispose()
        }
        $epochs = $records | Where-Object { $_.ActivityId -eq 1 -and $_.RecordType -eq 'Processing' }
        $epochs[0].StatusDescription | Should -Be 'Epoch 1/2'
        $epochs[0].PercentComplete | Should -Be 0
        $afterFirst = $epochs | Where-Object StatusDescription -Match '^Epoch 2/2; epoch 1: loss \d+\.\d+, validation NDCG@100 0\.\d{4}'
        $afterFirst | Should -Not -BeNullOrEmpty
        $afterFirst[0].PercentComplete | Should -Be 50
        $epochs[-1].PercentComplete | Should -Be 100

        $batches = $records | Where-Object { $_.ActivityId -eq 2 -and $_.RecordType -eq 'Processing' }
        $batches | ForEach-Object { $_.ParentActivityId | Should -Be 1 }
        # 320 training users in batches of 100.
        $firstEpoch = @($batches | Where-Object Activity -eq 'Epoch 1')
        $firstEpoch | ForEach-Object StatusDescription | Should -Be @('Batch 1/4', 'Batch 2/4', 'Batch 3/4', 'Batch 4/4')
        $firstEpoch[-1].PercentComplete | Should -Be 100
        $records[-1].RecordType | Should -Be 'Completed'
    }

    It 'Test-VaeModel reports the test users scored' {
        $ps = New-ModulePowerShell
        try {
            $null = $ps.AddCommand('Test-VaeModel').AddParameter('LiteralPath', $run.ModelPath).AddParameter('BatchSize', 200)
            $null = $ps.Invoke()
            $records = @($ps.Streams.Progress | Where-Object RecordType -eq 'Processing')
        }
        finally {
            $ps.Dispose()
        }
        $records | ForEach-Object StatusDescription | Should -Be @('200/500 test users scored', '400/500 test users scored', '500/500 test users scored',
            "Fitting the EASE baseline on the model's training users")
        $records[2].PercentComplete | Should -Be 100
    }
}

Describe 'Stopping Invoke-VaeTraining' {
    It 'keeps the last checkpoint when stopped, and -Resume finishes the run' {
        $target = Join-Path $TestDrive 'stopped'
        $ps = New-ModulePowerShell
        try {
            $null = $ps.AddCommand('Invoke-VaeTraining').AddParameter('Config', $QuickstartConfig).AddParameter('OutputPath', $target).
                AddParameter('Set', @('training.epochs=30', 'training.checkpoint_step=1'))
            $async = $ps.BeginInvoke()
            # Stop (as Ctrl+C does) once epoch 3 is under way: epochs 1 and 2 have been checkpointed by then.
            $deadline = [datetime]::UtcNow.AddSeconds(120)
            while (-not ($ps.Streams.Progress | Where-Object Activity -eq 'Epoch 3') -and [datetime]::UtcNow -lt $deadline -and -not $async.IsCompleted) {
                Start-Sleep -Milliseconds 50
            }
            $async.IsCompleted | Should -BeFalse -Because 'the run should still be training when it is stopped'
            $ps.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally {
            # Wait for the invocation to wind down completely before disposing of it.
            try { $null = $ps.EndInvoke($async) } catch { $null = $_ }
            $ps.Dispose()
        }

        $manifest = Get-Manifest $target
        $manifest.status | Should -Be 'interrupted'
        $manifest.history.Count | Should -BeIn (2..4)
        Join-Path $target 'checkpoints/last.ckpt' | Should -Exist
        Join-Path $target 'model' | Should -Not -Exist

        $result = Invoke-VaeTraining -Config $QuickstartConfig -OutputPath $target -Resume -Set training.epochs=6, training.checkpoint_step=1
        $result.Epochs | Should -Be 6
        (Get-Manifest $target).status | Should -Be 'completed'
    }
}

Describe 'Test-VaeModel' {
    BeforeAll {
        $script:evaluation = $run | Test-VaeModel
    }

    It 'takes the training result from the pipeline' {
        $evaluation | Should -BeOfType ([VaeToolkit.PowerShell.VaeModelEvaluation])
        $evaluation.Path | Should -Be $run.ModelPath
        $evaluation.Users | Should -Be 500
    }

    It 'scores the model as the training run did' {
        $evaluation.NdcgAt100 | Should -Be $run.NdcgAt100
        $evaluation.RecallAt20 | Should -Be $run.RecallAt20
        $evaluation.PopularityNdcgAt100 | Should -Be $run.PopularityNdcgAt100
    }

    It 'beats the popularity baseline clearly' {
        $evaluation.NdcgAt100 | Should -BeGreaterThan (1.5 * $evaluation.PopularityNdcgAt100)
        $evaluation.RecallAt20 | Should -BeGreaterThan (1.5 * $evaluation.PopularityRecallAt20)
        $evaluation.RecallAt50 | Should -BeGreaterThan $evaluation.RecallAt20
    }

    It 'reports an EASE baseline fitted on the same training users, and -NoBaseline leaves it out' {
        $evaluation.EaseNdcgAt100 | Should -BeGreaterThan $evaluation.PopularityNdcgAt100
        $evaluation.EaseRecallAt50 | Should -BeGreaterThan $evaluation.EaseRecallAt20
        $evaluation.EaseLambda | Should -BeIn @(100, 300, 1000)
        $evaluation.EaseNote | Should -BeNullOrEmpty
        $plain = $run | Test-VaeModel -NoBaseline
        $plain.EaseNdcgAt100 | Should -BeNullOrEmpty
        $plain.NdcgAt100 | Should -Be $evaluation.NdcgAt100
    }

    It 'takes run directories by -Path with wildcards and from Get-ChildItem' {
        (Test-VaeModel -Path (Join-Path $TestDrive 'quick*')).Path | Should -Be $run.ModelPath
        (Get-Item $run.RunPath | Test-VaeModel).NdcgAt100 | Should -Be $run.NdcgAt100
        ($run.ModelPath | Test-VaeModel).Path | Should -Be $run.ModelPath
    }

    It 'writes an error naming the directory and the missing file, and goes on with the next path' {
        $broken = Join-Path $TestDrive 'broken-model'
        Copy-Item $run.ModelPath $broken -Recurse
        Remove-Item (Join-Path $broken 'items.tsv')

        $results = Test-VaeModel -LiteralPath $broken, $run.ModelPath -ErrorVariable errors -ErrorAction SilentlyContinue
        @($results).Count | Should -Be 1
        $results.Path | Should -Be $run.ModelPath
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'ModelIncomplete,VaeToolkit.PowerShell.TestVaeModelCommand'
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errors[0].TargetObject | Should -Be $broken
        $errors[0].Exception.Message | Should -Match ([regex]::Escape($broken))
        $errors[0].Exception.Message | Should -Match 'items\.tsv'
        $errors[0].Exception.MissingFiles | Should -Be @('items.tsv')
    }

    It 'scores on CUDA where ONNX Runtime has it, and otherwise says the device is unavailable' {
        $result = Test-VaeModel -LiteralPath $run.ModelPath -Device cuda -ErrorVariable errors -ErrorAction SilentlyContinue
        if ($result) {
            $result.NdcgAt100 | Should -BeGreaterThan (1.5 * $result.PopularityNdcgAt100)
        }
        else {
            $errors | Should -HaveCount 1
            $errors[0].FullyQualifiedErrorId | Should -Be 'DeviceUnavailable,VaeToolkit.PowerShell.TestVaeModelCommand'
            $errors[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
            $errors[0].TargetObject | Should -Be 'cuda'
        }
    }

    It 'reports a path that does not exist as ObjectNotFound' {
        $missing = Join-Path $TestDrive 'no-such-run'
        $err = { Test-VaeModel -Path $missing -ErrorAction Stop } | Should -Throw -PassThru
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.TargetObject | Should -Be $missing
    }
}

Describe 'Get-VaeSimilarItem' {
    It 'returns Top items per item, ranked 1..Top with falling similarity, as the engine does' {
        $rows = Get-VaeSimilarItem -Path $run.ModelPath -ItemId '1', '2' -Top 6
        $rows | Should -HaveCount 12
        $rows | ForEach-Object { $_ | Should -BeOfType ([VaeToolkit.PowerShell.VaeSimilarItem]) }
        $engine = [VaeToolkit.Inference.ItemSimilarity]::Open($run.ModelPath)
        foreach ($query in $rows | Group-Object QueryItemId) {
            $query.Group | ForEach-Object Rank | Should -Be (1..6)
            $query.Group.ItemId | Should -Not -Contain $query.Name
            $similarities = $query.Group.Similarity
            for ($i = 1; $i -lt $similarities.Count; $i++) { $similarities[$i] | Should -BeLessOrEqual $similarities[$i - 1] }
            $query.Group.ItemId | Should -Be $engine.Similar($query.Name, 6).ItemId
        }
        $rows | ForEach-Object { $_.ItemName | Should -Match '^Item \d+ \(taste \d+\)$' }
    }

    It 'defaults to the top 10 and takes a run directory' {
        Get-VaeSimilarItem -Path $run.RunPath -ItemId '5' | Should -HaveCount 10
    }

    It 'takes item ids from the pipeline by value and by property name' {
        $byValue = '1', '2' | Get-VaeSimilarItem -Path $run.ModelPath -Top 2
        ($byValue.QueryItemId | Select-Object -Unique) | Should -Be @('1', '2')
        $recommended = Get-VaeRecommendation -Path $run.ModelPath -UserId '0' -Top 3
        $byName = $recommended | Get-VaeSimilarItem -Path $run.ModelPath -Top 2
        ($byName.QueryItemId | Select-Object -Unique) | Should -Be $recommended.ItemId
    }

    It 'writes one error for an unknown id and still answers the others' {
        $rows = 'not-an-item', '1' | Get-VaeSimilarItem -Path $run.ModelPath -Top 3 -ErrorVariable errors -ErrorAction SilentlyContinue
        $rows | Should -HaveCount 3
        $errors | Should -HaveCount 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'UnknownItem,VaeToolkit.PowerShell.GetVaeSimilarItemCommand'
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errors[0].TargetObject | Should -Be 'not-an-item'
        $errors[0].Exception | Should -BeOfType ([System.Collections.Generic.KeyNotFoundException])
    }

    It 'stops with a clear error for a model exported before item similarity' {
        $old = Join-Path $TestDrive 'model-without-embeddings'
        Copy-Item $run.ModelPath $old -Recurse
        Remove-Item (Join-Path $old 'item_embeddings.npy')
        # Such a model's card never recorded the file's hash.
        $card = [System.Text.Json.Nodes.JsonNode]::Parse((Get-Content (Join-Path $old 'model.json') -Raw))
        $null = $card['file_sha256'].AsObject().Remove('item_embeddings.npy')
        Set-Content (Join-Path $old 'model.json') -Value $card.ToJsonString()

        $err = { Get-VaeSimilarItem -Path $old -ItemId '1' } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'ModelIncomplete,VaeToolkit.PowerShell.GetVaeSimilarItemCommand'
        $err.Exception.Message | Should -Match 'item_embeddings\.npy: the model was exported before item similarity existed; export or train it again'
        # Recommendations from the same model still work.
        Get-VaeRecommendation -Path $old -UserId '0' -Top 2 | Should -HaveCount 2
    }
}

Describe 'Get-VaeRecommendation' {
    Context 'for known users' {
        It 'returns Top recommendations per user, ranked 1..Top with falling scores' {
            $rows = Get-VaeRecommendation -Path $run.ModelPath -UserId '0', '1' -Top 7
            $rows | Should -HaveCount 14
            $rows | ForEach-Object { $_ | Should -BeOfType ([VaeToolkit.PowerShell.VaeRecommendation]) }
            foreach ($user in $rows | Group-Object UserId) {
                $user.Name | Should -BeIn '0', '1'
                # ForEach-Object, not .Rank: on an array that is Array.Rank, the number of dimensions.
                $user.Group | ForEach-Object Rank | Should -Be (1..7)
                $scores = $user.Group.Score
                for ($i = 1; $i -lt $scores.Count; $i++) { $scores[$i] | Should -BeLessOrEqual $scores[$i - 1] }
                ($user.Group.ItemId | Sort-Object -Unique).Count | Should -Be 7
            }
            $rows.ItemId | Should -Not -Contain ''
            $rows | ForEach-Object { $_.ItemName | Should -Match '^Item \d+ \(taste \d+\)$' }
        }

        It 'defaults to the top 20 and takes a run directory' {
            Get-VaeRecommendation -Path $run.RunPath -UserId '3' | Should -HaveCount 20
        }

        It 'takes user ids from the pipeline by value and by property name' {
            $byValue = '0', '1', '2' | Get-VaeRecommendation -Path $run.ModelPath -Top 3
            $byValue | Should -HaveCount 9
            ($byValue.UserId | Select-Object -Unique) | Should -Be @('0', '1', '2')

            $byName = [pscustomobject]@{ UserId = '0' }, [pscustomobject]@{ Id = '1' } | Get-VaeRecommendation -Path $run.ModelPath -Top 3
            ($byName.UserId | Select-Object -Unique) | Should -Be @('0', '1')
            # The same model gives the same answer however the ids arrive.
            ($byName | Where-Object UserId -eq '0').ItemId | Should -Be ($byValue | Where-Object UserId -eq '0').ItemId
        }

        It 'serves many piped ids, in order' {
            $ids = 0..1499 | ForEach-Object { "$_" }
            $rows = $ids | Get-VaeRecommendation -Path $run.ModelPath -Top 1 -ErrorAction SilentlyContinue -ErrorVariable unknown
            $rows.Count + $unknown.Count | Should -Be 1500
            $rows.Count | Should -BeGreaterThan 1400
            $unknownIds = @($unknown | ForEach-Object TargetObject)
            $rows.UserId | Should -Be ($ids | Where-Object { $_ -notin $unknownIds })
        }

        It 'writes one error for an unknown id and still serves the others' {
            $rows = 'nobody', '0', '1' | Get-VaeRecommendation -Path $run.ModelPath -Top 5 -ErrorVariable errors -ErrorAction SilentlyContinue
            $rows | Should -HaveCount 10
            ($rows.UserId | Select-Object -Unique) | Should -Be @('0', '1')
            $errors | Should -HaveCount 1
            $errors[0].FullyQualifiedErrorId | Should -Be 'UnknownUser,VaeToolkit.PowerShell.GetVaeRecommendationCommand'
            $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $errors[0].TargetObject | Should -Be 'nobody'
            $errors[0].Exception.Message | Should -Match "'nobody'"
        }

        It 'stops at an unknown id with -ErrorAction Stop' {
            { Get-VaeRecommendation -Path $run.ModelPath -UserId 'nobody' -ErrorAction Stop } | Should -Throw -ErrorId 'UnknownUser*'
        }
    }

    Context 'for a new user''s history' {
        It 'recommends items outside the history, best first' {
            $history = '1', '2', '3', '4', '5'
            $rows = Get-VaeRecommendation -Path $run.ModelPath -ItemId $history -Top 10
            $rows | Should -HaveCount 10
            $rows | ForEach-Object Rank | Should -Be (1..10)
            $rows.ItemId | Where-Object { $_ -in $history } | Should -BeNullOrEmpty
            $rows[0].Score | Should -BeGreaterOrEqual $rows[9].Score
        }

        It 'warns about unknown item ids and leaves them out' {
            $rows = Get-VaeRecommendation -Path $run.ModelPath -ItemId '1', 'not-an-item' -Top 3 -WarningVariable warnings -WarningAction SilentlyContinue
            $rows | Should -HaveCount 3
            $warnings | Should -HaveCount 1
            $warnings[0].Message | Should -Match 'not-an-item'
        }

        It 'ranks the history with the other items with -IncludeSeen, and never without' {
            $history = '1', '2', '3'
            $items = [VaeToolkit.Runs.ModelBundle]::Open($run.ModelPath).Items.Count
            $included = Get-VaeRecommendation -Path $run.ModelPath -ItemId $history -Top $items -IncludeSeen
            $excluded = Get-VaeRecommendation -Path $run.ModelPath -ItemId $history -Top $items
            $included | Should -HaveCount $items
            $excluded | Should -HaveCount ($items - 3)
            foreach ($item in $history) { $included.ItemId | Should -Contain $item; $excluded.ItemId | Should -Not -Contain $item }
            # The other items keep their scores and their order.
            ($included | Where-Object ItemId -notin $history).ItemId | Should -Be $excluded.ItemId
        }

        It 'writes an error when no item of the history is known' {
            $rows = Get-VaeRecommendation -Path $run.ModelPath -ItemId 'x', 'y' -ErrorVariable errors -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            $rows | Should -BeNullOrEmpty
            $errors[0].FullyQualifiedErrorId | Should -Be 'NoKnownItems,VaeToolkit.PowerShell.GetVaeRecommendationCommand'
        }
    }

    Context 'for an interactions file' {
        BeforeAll {
            $script:interactions = Join-Path $TestDrive 'interactions.csv'
            Set-Content $interactions -Value 'user,item', 'alice,1', 'alice,2', 'alice,3', 'bob,10', 'bob,11', 'carol,unknown-item'
            # Sixty users of five known items each, their rows interleaved, so that both of two shards get users.
            $script:manyUsers = Join-Path $TestDrive 'many-users.csv'
            $lines = foreach ($k in 0..4) { foreach ($u in 0..59) { "u$u,$(($u * 7 + $k * 13) % 60 + 1),extra" } }
            Set-Content $manyUsers -Value (@('user_id,item_id,note') + $lines)
        }

        It 'writes a CSV with a row per user and rank, and returns the summary' {
            $output = Join-Path $TestDrive 'recommendations.csv'
            $summary = Get-VaeRecommendation -Path $run.ModelPath -InputPath $interactions -OutputPath $output -Top 4 -WarningAction SilentlyContinue
            $summary | Should -BeOfType ([VaeToolkit.Inference.Batch.BatchScoringSummary])
            $summary.OutputPath | Should -Be $output
            $summary.Format | Should -Be 'csv'
            $summary.Shard | Should -Be '0/1'
            $summary.ManifestPath | Should -BeNullOrEmpty
            $summary.Users | Should -Be 3
            $summary.UsersWritten | Should -Be 2
            $summary.Rows | Should -Be 8
            $summary.SkippedUsers | Should -Be @('carol')
            $summary.SkippedUserCount | Should -Be 1

            (Get-Content $output -TotalCount 1) | Should -BeExactly 'user_id,rank,item_id,score,item_name'
            $rows = Import-Csv $output
            $rows | Should -HaveCount 8
            $rows | Where-Object user_id -eq 'alice' | ForEach-Object rank | Should -Be @('1', '2', '3', '4')
            ($rows | Where-Object user_id -eq 'alice').item_id | Where-Object { $_ -in '1', '2', '3' } | Should -BeNullOrEmpty
            $rows.item_name | Should -Not -Contain ''
        }

        It 'warns about the users that got nothing, naming them' {
            $null = Get-VaeRecommendation -Path $run.ModelPath -InputPath $interactions -OutputPath (Join-Path $TestDrive 'warned.csv') -Top 1 -WarningVariable warnings -WarningAction SilentlyContinue
            $warnings | Should -HaveCount 1
            "$warnings" | Should -Match '^1 users have no item the model knows and got nothing: carol$'
        }

        It 'writes Parquet when -OutputPath ends in .parquet, with the columns chosen by name' {
            $output = Join-Path $TestDrive 'recommendations.parquet'
            $summary = Get-VaeRecommendation -Path $run.ModelPath -InputPath $manyUsers -UserColumn user_id -ItemColumn item_id -OutputPath $output -Top 5
            $summary.Format | Should -Be 'parquet'
            $summary.OutputPath | Should -Be $output
            $summary.Users | Should -Be 60
            $summary.Rows | Should -Be 300
            $summary.OutputBytes | Should -Be (Get-Item $output).Length
            $bytes = [System.IO.File]::ReadAllBytes($output)
            [System.Text.Encoding]::ASCII.GetString($bytes, 0, 4) | Should -BeExactly 'PAR1'
            [System.Text.Encoding]::ASCII.GetString($bytes, $bytes.Length - 4, 4) | Should -BeExactly 'PAR1'

            # -Format wins over the extension.
            $csvNamed = Join-Path $TestDrive 'parquet-named.csv'
            (Get-VaeRecommendation -Path $run.ModelPath -InputPath $manyUsers -OutputPath $csvNamed -Format parquet -Top 5).Format | Should -Be 'parquet'
            [System.Text.Encoding]::ASCII.GetString([System.IO.File]::ReadAllBytes($csvNamed), 0, 4) | Should -BeExactly 'PAR1'
        }

        It 'reads a tab-separated file with -Delimiter "`t" and columns by index' {
            $tabbed = Join-Path $TestDrive 'interactions.txt'
            Set-Content $tabbed -Value "item`tuser", "1`talice", "2`talice", "3`talice", "10`tbob", "11`tbob"
            $output = Join-Path $TestDrive 'from-tabs.csv'
            $summary = Get-VaeRecommendation -Path $run.ModelPath -InputPath $tabbed -Delimiter "`t" -UserColumn 1 -ItemColumn 0 -OutputPath $output -Top 4
            $summary.Users | Should -Be 2
            $summary.UnknownInteractions | Should -Be 0
            # The same histories as the comma-separated file: the same recommendations.
            $reference = Join-Path $TestDrive 'from-commas.csv'
            $null = Get-VaeRecommendation -Path $run.ModelPath -InputPath $interactions -OutputPath $reference -Top 4 -WarningAction SilentlyContinue
            Get-Content $output | Sort-Object | Should -Be (Get-Content $reference | Sort-Object)
        }

        It 'splits the users between shards: 0/2 and 1/2 together write the unsharded rows, and a finished shard is not redone' {
            $whole = Join-Path $TestDrive 'whole.csv'
            $null = Get-VaeRecommendation -Path $run.ModelPath -InputPath $manyUsers -OutputPath $whole -Top 5
            $parts = Join-Path $TestDrive 'parts.csv'
            $first = Get-VaeRecommendation -Path $run.ModelPath -InputPath $manyUsers -OutputPath $parts -Top 5 -Shard 0/2
            $second = Get-VaeRecommendation -Path $run.ModelPath -InputPath $manyUsers -OutputPath $parts -Top 5 -Shard 1/2

            $first.OutputPath | Should -Be (Join-Path $TestDrive 'parts-00000-of-00002.csv')
            $second.OutputPath | Should -Be (Join-Path $TestDrive 'parts-00001-of-00002.csv')
            $parts | Should -Not -Exist
            foreach ($shard in $first, $second) {
                $shard.AlreadyDone | Should -BeFalse
                $shard.ManifestPath | Should -Be "$($shard.OutputPath).success.json"
                $shard.ManifestPath | Should -Exist
                $shard.InputRows | Should -Be 300
                $shard.Users | Should -BeGreaterThan 0 -Because 'sixty users hash to both shards'
            }
            $first.Shard | Should -Be '0/2'
            $second.Shard | Should -Be '1/2'
            $first.Users + $second.Users | Should -Be 60
            $first.ShardRows + $second.ShardRows | Should -Be 300

            (Get-Content $first.OutputPath -TotalCount 1) | Should -BeExactly 'user_id,rank,item_id,score,item_name'
            (Get-Content $second.OutputPath -TotalCount 1) | Should -BeExactly 'user_id,rank,item_id,score,item_name'
            $firstUsers = (Import-Csv $first.OutputPath).user_id | Sort-Object -Unique
            $secondUsers = (Import-Csv $second.OutputPath).user_id | Sort-Object -Unique
            $firstUsers | Where-Object { $_ -in $secondUsers } | Should -BeNullOrEmpty
            $sharded = @(Get-Content $first.OutputPath | Select-Object -Skip 1) + @(Get-Content $second.OutputPath | Select-Object -Skip 1)
            $sharded | Sort-Object | Should -Be (Get-Content $whole | Select-Object -Skip 1 | Sort-Object)

            $written = (Get-Item $first.OutputPath).LastWriteTimeUtc
            $again = Get-VaeRecommendation -Path $run.ModelPath -InputPath $manyUsers -OutputPath $parts -Top 5 -Shard 0/2
            $again.AlreadyDone | Should -BeTrue
            $again.OutputPath | Should -Be $first.OutputPath
            $again.Rows | Should -Be $first.Rows
            (Get-Item $first.OutputPath).LastWriteTimeUtc | Should -Be $written

            # Other settings are other work: a different -Top, or -Force, scores the shard again.
            (Get-VaeRecommendation -Path $run.ModelPath -InputPath $manyUsers -OutputPath $parts -Top 3 -Shard 0/2).AlreadyDone | Should -BeFalse
            (Get-VaeRecommendation -Path $run.ModelPath -InputPath $manyUsers -OutputPath $parts -Top 3 -Shard 0/2 -Force).AlreadyDone | Should -BeFalse
        }

        It 'takes the shard index of a Kubernetes Indexed Job with -Shard auto/N' {
            $env:JOB_COMPLETION_INDEX = '1'
            try {
                $summary = Get-VaeRecommendation -Path $run.ModelPath -InputPath $manyUsers -OutputPath (Join-Path $TestDrive 'indexed.csv') -Top 2 -Shard auto/3
            }
            finally {
                Remove-Item Env:JOB_COMPLETION_INDEX
            }
            $summary.Shard | Should -Be '1/3'
            $summary.OutputPath | Should -Be (Join-Path $TestDrive 'indexed-00001-of-00003.csv')
        }

        It 'stops at a shard that does not exist, naming it, and writes nothing' {
            $output = Join-Path $TestDrive 'bad-shard.csv'
            $err = { Get-VaeRecommendation -Path $run.ModelPath -InputPath $manyUsers -OutputPath $output -Shard 5/2 } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -Be 'InvalidArgument,VaeToolkit.PowerShell.GetVaeRecommendationCommand'
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err.TargetObject | Should -Be '5/2'
            $err.Exception.Message | Should -Match "-Shard: shard '5/2'"
            $err.Exception.Message | Should -Match 'below the count 2'
            Get-ChildItem $TestDrive -Filter 'bad-shard*' | Should -BeNullOrEmpty
            { Get-VaeRecommendation -Path $run.ModelPath -InputPath $manyUsers -OutputPath $output -Shard half } | Should -Throw "*'half'*"
        }

        It 'resolves -OutputPath from the PowerShell location' {
            Push-Location $TestDrive
            try {
                $summary = Get-VaeRecommendation -Path $run.ModelPath -InputPath interactions.csv -OutputPath relative.csv -Top 1 -WarningAction SilentlyContinue
            }
            finally {
                Pop-Location
            }
            $summary.OutputPath | Should -Be (Join-Path $TestDrive 'relative.csv')
            Join-Path $TestDrive 'relative.csv' | Should -Exist
        }

        It 'writes nothing with -WhatIf' {
            $output = Join-Path $TestDrive 'what-if.csv'
            $summary = Get-VaeRecommendation -Path $run.ModelPath -InputPath $interactions -OutputPath $output -WhatIf
            $summary | Should -BeNullOrEmpty
            $output | Should -Not -Exist
        }

        It 'reports a missing input file as ObjectNotFound' {
            $missing = Join-Path $TestDrive 'missing.csv'
            $err = { Get-VaeRecommendation -Path $run.ModelPath -InputPath $missing -OutputPath (Join-Path $TestDrive 'never.csv') } | Should -Throw -PassThru
            $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err.Exception.Message | Should -Match 'missing\.csv'
            Join-Path $TestDrive 'never.csv' | Should -Not -Exist
        }
    }

    It 'refuses a model directory with a missing file, naming it' {
        $broken = Join-Path $TestDrive 'broken-for-recommend'
        Copy-Item $run.ModelPath $broken -Recurse
        Remove-Item (Join-Path $broken 'recommender.onnx')
        $err = { Get-VaeRecommendation -Path $broken -UserId '0' } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'ModelIncomplete,VaeToolkit.PowerShell.GetVaeRecommendationCommand'
        $err.TargetObject | Should -Be $broken
        $err.Exception.Message | Should -Match 'recommender\.onnx'
    }
}

Describe 'Get-VaeUserEmbedding' {
    BeforeAll {
        $script:latentDim = (Get-Content (Join-Path $run.ModelPath 'model.json') -Raw | ConvertFrom-Json).latent_dim
        # u0 and twin share a history; u1 has another; carol knows no item.
        $script:people = Join-Path $TestDrive 'people.csv'
        Set-Content $people -Value 'user,item', 'u0,1', 'u1,40', 'u0,2', 'twin,2', 'u1,41', 'u0,3', 'twin,3', 'twin,1', 'u1,42', 'carol,unknown-item'
    }

    It 'has the latent size of the quick-start config' {
        $latentDim | Should -Be 200 # model.encoder_dims: [600, 200]
    }

    It 'writes one CSV row per user: user_id, then mu_0 .. mu_(d-1) for the model''s latent size d' {
        $output = Join-Path $TestDrive 'embeddings.csv'
        $summary = Get-VaeUserEmbedding -Path $run.ModelPath -InputPath $people -OutputPath $output -WarningVariable warnings -WarningAction SilentlyContinue
        $summary | Should -BeOfType ([VaeToolkit.Inference.Batch.BatchScoringSummary])
        $summary.Kind | Should -Be 'embeddings'
        $summary.Format | Should -Be 'csv'
        $summary.Users | Should -Be 4
        $summary.UsersWritten | Should -Be 3
        $summary.Rows | Should -Be 3
        $summary.SkippedUsers | Should -Be @('carol')
        $summary.SkippedUserCount | Should -Be 1
        "$warnings" | Should -Match 'carol'

        $header = (Get-Content $output -TotalCount 1) -split ','
        $header | Should -Be (@('user_id') + (0..($latentDim - 1) | ForEach-Object { "mu_$_" }))
        $rows = Import-Csv $output
        $rows | Should -HaveCount 3
        $rows.user_id | Sort-Object | Should -Be @('twin', 'u0', 'u1')
        $vector = @{}
        foreach ($row in $rows) {
            $values = 0..($latentDim - 1) | ForEach-Object { [double]::Parse($row."mu_$_", [cultureinfo]::InvariantCulture) }
            $values | ForEach-Object { [double]::IsFinite($_) | Should -BeTrue }
            $vector[$row.user_id] = $values
        }
        # The same history, in any row order, is the same embedding; another history is another.
        $twinGap = (0..($latentDim - 1) | ForEach-Object { [math]::Abs($vector['twin'][$_] - $vector['u0'][$_]) } | Measure-Object -Maximum).Maximum
        $twinGap | Should -BeLessThan 1e-5
        $otherGap = (0..($latentDim - 1) | ForEach-Object { [math]::Abs($vector['u1'][$_] - $vector['u0'][$_]) } | Measure-Object -Maximum).Maximum
        $otherGap | Should -BeGreaterThan 1e-3
    }

    It 'writes Parquet, one shard at a time, and does not redo a finished shard' {
        $output = Join-Path $TestDrive 'embeddings.parquet'
        $first = Get-VaeUserEmbedding -Path $run.ModelPath -InputPath $people -OutputPath $output -Shard 0/2 -WarningAction SilentlyContinue
        $second = Get-VaeUserEmbedding -Path $run.ModelPath -InputPath $people -OutputPath $output -Shard 1/2 -WarningAction SilentlyContinue
        $first.Format | Should -Be 'parquet'
        $first.Users + $second.Users | Should -Be 4
        $first.Rows + $second.Rows | Should -Be 3
        foreach ($shard in $first, $second) {
            [System.Text.Encoding]::ASCII.GetString([System.IO.File]::ReadAllBytes($shard.OutputPath), 0, 4) | Should -BeExactly 'PAR1'
        }
        (Get-VaeUserEmbedding -Path $run.ModelPath -InputPath $people -OutputPath $output -Shard 1/2 -WarningAction SilentlyContinue).AlreadyDone | Should -BeTrue
    }

    It 'writes nothing with -WhatIf' {
        $output = Join-Path $TestDrive 'embeddings-what-if.csv'
        Get-VaeUserEmbedding -Path $run.ModelPath -InputPath $people -OutputPath $output -WhatIf | Should -BeNullOrEmpty
        $output | Should -Not -Exist
    }

    It 'stops at a bad shard, naming it' {
        $err = { Get-VaeUserEmbedding -Path $run.ModelPath -InputPath $people -OutputPath (Join-Path $TestDrive 'never.csv') -Shard 5/2 } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'InvalidArgument,VaeToolkit.PowerShell.GetVaeUserEmbeddingCommand'
        $err.Exception.Message | Should -Match "'5/2'"
    }

    It 'stops, saying why, for a model without a latent space (EASE), and writes nothing' {
        $ease = Invoke-VaeTraining -Config $QuickstartConfig -OutputPath (Join-Path $TestDrive 'ease-run') -Set 'model.type=ease', 'model.ease.lambda=100'
        $output = Join-Path $TestDrive 'ease-embeddings.csv'
        $err = { Get-VaeUserEmbedding -Path $ease.ModelPath -InputPath $people -OutputPath $output } | Should -Throw -PassThru
        $err.CategoryInfo.Category | Should -Be 'NotImplemented'
        $err.Exception.Message | Should -Match "'ease' model .* has no latent space"
        $output | Should -Not -Exist
    }
}

Describe 'Measure-VaeTraining' {
    It 'reports the speed of the asked epochs and writes nothing' {
        $location = New-Item -ItemType Directory (Join-Path $TestDrive 'benchmark')
        Push-Location $location
        try {
            $report = Measure-VaeTraining -Config $QuickstartConfig -Epochs 3 -Set $TinyRun
        }
        finally {
            Pop-Location
        }
        $report | Should -BeOfType ([VaeToolkit.Orchestration.Benchmarks.BenchmarkReport])
        $report.Epochs | Should -Be 3
        $report.EpochSeconds | Should -HaveCount 3
        $report.Dataset | Should -Be 'synthetic'
        $report.Device | Should -Be 'cpu'
        $report.MeanEpochSeconds | Should -BeGreaterThan 0
        $report.TrainUsersPerSecond | Should -BeGreaterThan 0
        Get-ChildItem $location -Force | Should -BeNullOrEmpty
    }

    It 'warns on the warning stream that fp16 is slow on the CPU, and reports its skipped steps' {
        $report = Measure-VaeTraining -Config $QuickstartConfig -Epochs 1 -Precision fp16 -Set $TinyRun -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings | Should -HaveCount 1
        "$warnings" | Should -Match '^fp16 on the CPU runs about 15x slower'
        $report.SkippedSteps | Should -Not -BeNullOrEmpty
        (Measure-VaeTraining -Config $QuickstartConfig -Epochs 1 -Precision bf16 -Set $TinyRun -WarningVariable quiet -WarningAction SilentlyContinue).SkippedSteps | Should -BeNullOrEmpty
        $quiet | Should -BeNullOrEmpty
    }
}

Describe 'Measure-VaeScoring' {
    It 'times ONNX Runtime against libtorch''s validation path and dense baseline on the same users, bound from the training result' {
        $report = $run | Measure-VaeScoring -Users 300 -Top 10 -BatchSize 128
        $report.Users | Should -Be 300
        $report.Top | Should -Be 10
        $report.EngineUsersPerSecond | Should -BeGreaterThan 0
        [math]::Abs($report.EngineToBaseline - $report.EngineUsersPerSecond / $report.BaselineUsersPerSecond) | Should -BeLessThan 1e-9
        # libtorch's validation path (embedding bag) is timed too, on the same users.
        $report.ValidationPathSeconds | Should -BeGreaterThan 0
        $report.ValidationPathUsersPerSecond | Should -BeGreaterThan 0
        [math]::Abs($report.ValidationPathUsersPerSecond - 300 / $report.ValidationPathSeconds) | Should -BeLessThan 1e-6
        [math]::Abs($report.EngineToValidationPath - $report.EngineUsersPerSecond / $report.ValidationPathUsersPerSecond) | Should -BeLessThan 1e-9
        $report.TopKAgreement | Should -BeGreaterOrEqual 0.99
    }

    It 'scores on the CPU in calls of 1000 unless told, and says why CUDA cannot be used with the CPU build of ONNX Runtime' {
        $report = $run | Measure-VaeScoring -Users 50 -Top 5
        $report.Device | Should -Be 'cpu'
        $report.BatchSize | Should -Be 1000
        $reports = $run | Measure-VaeScoring -Users 50 -Top 5 -Device cuda -ErrorVariable failures -ErrorAction SilentlyContinue
        $reports | Should -BeNullOrEmpty
        $failures | Should -HaveCount 1
        "$failures" | Should -Match "CUDA was asked for \(device 'cuda'\)"
    }

    It 'writes one error for a folder that is no model and goes on' {
        $reports = Measure-VaeScoring -Path (Join-Path $TestDrive 'nothing-here') -Users 10 -ErrorVariable failures -ErrorAction SilentlyContinue
        $reports | Should -BeNullOrEmpty
        $failures | Should -HaveCount 1
    }
}

# Tab completion (TabExpansion2, as PSReadLine asks): data set names, -Set keys, -Device, run and model
# folders, and item ids from a model's items.tsv with the item's name as tooltip.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    # The engines' types (the registry's config loader, KnownDatasets), from the module's folder; PowerShell loads them only once a cmdlet needs them.
    $null = [Reflection.Assembly]::LoadFrom((Join-Path (Split-Path $ModulePath) 'VaeToolkit.Core.dll'))
    $null = [Reflection.Assembly]::LoadFrom((Join-Path (Split-Path $ModulePath) 'VaeToolkit.Training.dll'))

    function Get-Completion([string] $Line) {
        @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches)
    }

    # Folders that look like runs and models to the completer (it reads no more than the marker files and items.tsv).
    function New-Folder([string] $Path, [string[]] $Files = @()) {
        New-Item -ItemType Directory -Force $Path | Out-Null
        foreach ($file in $Files) { Set-Content (Join-Path $Path $file) '{}' }
    }

    $script:workspace = Join-Path $TestDrive 'workspace'
    New-Folder (Join-Path $workspace 'runs/qs') 'manifest.json'
    New-Folder (Join-Path $workspace 'runs/qs/model') 'model.json'
    New-Folder (Join-Path $workspace 'runs/ml small') 'manifest.json'
    New-Folder (Join-Path $workspace 'runs/not-a-run') 'notes.txt'
    New-Folder (Join-Path $workspace 'exported') 'model.json'
    New-Folder (Join-Path $workspace 'configs') 'quickstart.yaml'
    New-Folder (Join-Path $workspace 'empty')
    # items.tsv as ItemTable writes it: index, id, training popularity, name.
    $items = "index`titem_id`tpopularity`tname`n0`t1`t30`tToy Story (1995)`n1`t260`t50`tStar Wars: Episode IV - A New Hope (1977)`n" +
        "2`t1196`t40`tStar Wars: Episode V - The Empire Strikes Back (1980)`n3`t26`t1`tOthello (1995)`n4`tsku 7`t2`t`n"
    Set-Content (Join-Path $workspace 'exported/items.tsv') $items -NoNewline
    Set-Content (Join-Path $workspace 'runs/qs/model/items.tsv') $items -NoNewline
}

Describe 'Data set names' {
    It 'completes Get-VaeDataset''s name from the data sets the loader knows' {
        (Get-Completion 'Get-VaeDataset ').CompletionText | Should -Be ([VaeToolkit.Configuration.KnownDatasets]::All)
        (Get-Completion 'Get-VaeDataset ml-2').CompletionText | Should -Be @('ml-20m', 'ml-20m_alt')
        (Get-Completion 'Get-VaeDataset -Name net').CompletionText | Should -Be @('netflix')
    }

    It 'says which sets download' {
        (Get-Completion 'Get-VaeDataset ml-1').ToolTip | Should -Match 'GroupLens'
    }
}

Describe '-Set keys' {
    It 'completes a key as key= from the config schema, with its default as tooltip' {
        $results = Get-Completion 'Invoke-VaeTraining ./configs/quickstart.yaml -Set training.ep'
        $results.CompletionText | Should -Be @('training.epochs=')
        $results[0].ToolTip | Should -Match 'default 200\b'
    }

    It 'offers every key of the schema, in file order, for an empty word' {
        $keys = [VaeToolkit.Training.Models.ModelRegistry]::ConfigLoader.Schema.Keys
        (Get-Completion 'Measure-VaeTraining x.yaml -Set ').CompletionText | Should -Be @($keys | ForEach-Object { "$_=" })
    }

    It 'completes the second override of a list, and part of a name anywhere in the key' {
        (Get-Completion 'Invoke-VaeTraining x.yaml -Set training.epochs=5, model.dr').CompletionText | Should -Be @('model.dropout=')
        (Get-Completion 'Get-VaeDataset ml-latest-small -Set heldout').CompletionText | Should -Be @('data.heldout_users=')
        (Get-Completion 'Invoke-VaeTraining x.yaml -Set anneal').CompletionText | Should -Be @('training.total_anneal_steps=', 'training.anneal_cap=')
    }

    It 'offers no key once the value is being typed' {
        @(Get-Completion 'Invoke-VaeTraining x.yaml -Set training.epochs=' | Where-Object CompletionText -Match '=').Count | Should -Be 0
    }
}

Describe '-Device' {
    BeforeAll {
        $savedVisible = $env:CUDA_VISIBLE_DEVICES
    }

    AfterAll {
        if ($null -eq $savedVisible) { Remove-Item env:CUDA_VISIBLE_DEVICES -ErrorAction SilentlyContinue } else { $env:CUDA_VISIBLE_DEVICES = $savedVisible }
    }

    It 'offers cpu, cuda and cuda:N for each GPU CUDA_VISIBLE_DEVICES lists' {
        $env:CUDA_VISIBLE_DEVICES = '3,5'
        (Get-Completion 'Test-VaeModel ./runs/qs -Device ').CompletionText | Should -Be @('cpu', 'cuda', 'cuda:0', 'cuda:1')
        (Get-Completion 'Invoke-VaeTraining x.yaml -Device cuda:').CompletionText | Should -Be @('cuda:0', 'cuda:1')
        (Get-Completion 'Start-VaeServer ./runs/qs -Device c').CompletionText | Should -Be @('cpu', 'cuda', 'cuda:0', 'cuda:1')
        (Get-Completion 'Get-VaeRecommendation ./runs/qs -UserId 1 -Device cu').CompletionText | Should -Be @('cuda', 'cuda:0', 'cuda:1')
    }

    It 'offers cpu only when no GPU is visible' {
        $env:CUDA_VISIBLE_DEVICES = ''
        (Get-Completion 'Test-VaeModel ./runs/qs -Device ').CompletionText | Should -Be @('cpu')
        $env:CUDA_VISIBLE_DEVICES = '-1'
        (Get-Completion 'Measure-VaeTraining x.yaml -Device ').CompletionText | Should -Be @('cpu')
    }
}

Describe 'Run and model folders' {
    BeforeAll {
        Push-Location $workspace
    }

    AfterAll {
        Pop-Location
    }

    It 'offers the runs and models under the current location, and the folders that hold them' {
        $results = Get-Completion 'Test-VaeModel -Path '
        $results.CompletionText | Should -Be @('exported', 'runs/')
        $results[0].ToolTip | Should -Match '\(model\)$'
        $results[1].ToolTip | Should -Match 'holds runs or models'
    }

    It 'goes on in the folder typed, quoting a name with a space, leaving out folders without a run' {
        (Get-Completion 'Test-VaeModel -Path runs/').CompletionText | Should -Be @("'runs/ml small'", 'runs/qs')
        (Get-Completion 'Compare-VaeModel -LiteralPath runs/q').CompletionText | Should -Be @('runs/qs')
        (Get-Completion 'Measure-VaeScoring runs/qs/').CompletionText | Should -Be @('runs/qs/model')
    }

    It 'completes -Path of every cmdlet that opens a run or a model' {
        foreach ($line in 'Get-VaeRecommendation -Path ex', 'Get-VaeUserEmbedding -Path ex', 'Get-VaeSimilarItem -Path ex', 'Start-VaeServer -Path ex', 'Test-VaeModel -LiteralPath ex') {
            (Get-Completion $line).CompletionText | Should -Be @('exported') -Because $line
        }
    }

    It 'resolves the folder typed against the PowerShell location, not the process''s' {
        Push-Location (Join-Path $workspace 'runs')
        try {
            (Get-Completion 'Test-VaeModel -Path ').CompletionText | Should -Be @("'ml small'", 'qs')
            (Get-Completion 'Test-VaeModel -Path ../e').CompletionText | Should -Be @('../exported')
        }
        finally {
            Pop-Location
        }
    }
}

Describe 'Item ids' {
    BeforeAll {
        Push-Location $workspace
    }

    AfterAll {
        Pop-Location
    }

    It 'completes ids from the items.tsv of the model -Path names, most popular first, the name as tooltip' {
        $results = Get-Completion 'Get-VaeSimilarItem -Path ./exported -ItemId 26'
        $results.CompletionText | Should -Be @('260', '26')
        $results.ToolTip | Should -Be @('Star Wars: Episode IV - A New Hope (1977)', 'Othello (1995)')
    }

    It 'finds items by part of their name, and reads a run''s model' {
        $results = Get-Completion 'Get-VaeRecommendation -Path ./runs/qs -ItemId 260, star'
        $results.CompletionText | Should -Be @('260', '1196')
        (Get-Completion 'Get-VaeSimilarItem ./runs/qs -ItemId empire').CompletionText | Should -Be @('1196')
    }

    It 'quotes an id PowerShell would split, and gives an unnamed item its id as tooltip' {
        $results = Get-Completion 'Get-VaeSimilarItem -Path ./exported -ItemId sku'
        $results.CompletionText | Should -Be @("'sku 7'")
        $results.ToolTip | Should -Be @('item sku 7')
    }

    It 'offers no item without a model: no -Path, or a folder with no items.tsv' {
        foreach ($line in 'Get-VaeSimilarItem -ItemId 26', 'Get-VaeSimilarItem -Path ./empty -ItemId 26', 'Get-VaeSimilarItem -Path ./nowhere -ItemId 26') {
            @(Get-Completion $line | Where-Object CompletionText -EQ '260').Count | Should -Be 0 -Because $line
        }
    }
}

# Bad input ends the call with an error that says what and where, and writes no model.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')

    # Runs Invoke-VaeTraining into a fresh folder and returns the terminating error it throws.
    function Get-TrainingError([string] $Config, [string[]] $Set = @()) {
        $output = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        { Invoke-VaeTraining -Config $Config -OutputPath $output -Set $Set } | Should -Throw -PassThru
    }

    function New-ConfigFile([string] $Name, [string[]] $Lines) {
        $path = Join-Path $TestDrive $Name
        Set-Content -Path $path -Value $Lines
        $path
    }
}

Describe 'Config errors' {
    It 'a misspelt key names the file, line, column and the key it meant' {
        $config = New-ConfigFile 'misspelt.yaml' @(
            'data:'
            '  dataset: synthetic'
            'training:'
            '  epochs: 2'
            '  lerning_rate: 0.01'
        )
        $err = Get-TrainingError $config
        $err.FullyQualifiedErrorId | Should -Be 'InvalidConfig,VaeToolkit.PowerShell.InvokeVaeTrainingCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.TargetObject | Should -Be $config
        $err.Exception.Message | Should -BeLike "misspelt.yaml(5,3): error VAE0101: unknown key 'training.lerning_rate'*"
        $err.Exception.Message | Should -Match "did you mean 'learning_rate'"
        $err.Exception.Line | Should -Be 5
        $err.Exception.Column | Should -Be 3
    }

    It 'a value of the wrong type names the file, line and column' {
        $config = New-ConfigFile 'wrong-type.yaml' @(
            'training:'
            '  epochs: many'
        )
        $err = Get-TrainingError $config
        $err.FullyQualifiedErrorId | Should -Be 'InvalidConfig,VaeToolkit.PowerShell.InvokeVaeTrainingCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.Exception.Message | Should -Match '^wrong-type\.yaml\(2,\d+\): error VAE0103: .*epochs.*many'
    }

    It 'a missing config file is ObjectNotFound, resolved from the PowerShell location' {
        Push-Location $TestDrive
        try {
            $err = { Invoke-VaeTraining -Config no-such.yaml } | Should -Throw -PassThru
        }
        finally {
            Pop-Location
        }
        $err.FullyQualifiedErrorId | Should -Be 'ConfigNotFound,VaeToolkit.PowerShell.InvokeVaeTrainingCommand'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.TargetObject | Should -Be (Join-Path $TestDrive 'no-such.yaml')
        $err.Exception.Message | Should -Match ([regex]::Escape((Join-Path $TestDrive 'no-such.yaml')))
    }

    It 'a bad override is an InvalidConfig error' {
        $err = Get-TrainingError $QuickstartConfig -Set 'training.epochs'
        $err.FullyQualifiedErrorId | Should -Be 'InvalidConfig,VaeToolkit.PowerShell.InvokeVaeTrainingCommand'
        $err.Exception.Message | Should -Match 'VAE0107'
    }

    It 'Measure-VaeTraining reports config errors the same way' {
        $config = New-ConfigFile 'measure.yaml' @('model:', '  type: gan')
        $err = { Measure-VaeTraining -Config $config } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'InvalidConfig,VaeToolkit.PowerShell.MeasureVaeTrainingCommand'
        $err.Exception.Message | Should -Match '^measure\.yaml\(2,\d+\)'
    }

    It 'writes no run directory for a bad config' {
        $config = New-ConfigFile 'bad-for-output.yaml' @('trainin:', '  epochs: 2')
        $output = Join-Path $TestDrive 'bad-config-run'
        { Invoke-VaeTraining -Config $config -OutputPath $output } | Should -Throw -ErrorId 'InvalidConfig*'
        $output | Should -Not -Exist
    }
}

Describe 'Data errors' {
    It 'a missing data file is ObjectNotFound and names the file' {
        $config = New-ConfigFile 'missing-data.yaml' @(
            'data:'
            '  dataset: file'
            '  path: no-such-ratings.csv'
        )
        $err = Get-TrainingError $config
        $err.FullyQualifiedErrorId | Should -Be 'DataNotFound,VaeToolkit.PowerShell.InvokeVaeTrainingCommand'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.TargetObject | Should -Be (Join-Path $TestDrive 'no-such-ratings.csv')
        $err.Exception.Message | Should -Match 'no-such-ratings\.csv'
    }

    It 'a malformed line gives its line number' {
        $ratings = Join-Path $TestDrive 'bad-ratings.csv'
        Set-Content $ratings -Value 'userId,movieId,rating', '1,10,4.0', '1,11,five', '2,10,4.5'
        $config = New-ConfigFile 'bad-data.yaml' @(
            'data:'
            '  dataset: file'
            "  path: $ratings"
        )
        $err = Get-TrainingError $config
        $err.FullyQualifiedErrorId | Should -Be 'InvalidData,VaeToolkit.PowerShell.InvokeVaeTrainingCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.TargetObject | Should -Be $ratings
        $err.Exception.Message | Should -Match 'bad-ratings\.csv\(3\): '
        $err.Exception.Message | Should -Match "'five'"
        $err.Exception.Line | Should -Be 3
    }

    It 'bad data stops the run before anything is written, so the folder stays free' {
        $ratings = Join-Path $TestDrive 'bad-ratings-2.csv'
        Set-Content $ratings -Value 'userId,movieId,rating', '1,10,4.0', '1,11,'
        $config = New-ConfigFile 'bad-data-2.yaml' @('data:', '  dataset: file', "  path: $ratings")
        $output = Join-Path $TestDrive 'failed-run'
        { Invoke-VaeTraining -Config $config -OutputPath $output } | Should -Throw -ErrorId 'InvalidData*'
        $output | Should -Not -Exist
    }
}

Describe 'Path errors' {
    It 'Get-VaeRecommendation refuses a folder that is not a model, naming the missing files' {
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'not-a-model')
        $err = { Get-VaeRecommendation -Path $folder -UserId 1 } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'ModelIncomplete,VaeToolkit.PowerShell.GetVaeRecommendationCommand'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.Exception.Message | Should -Match 'model\.json'
        $err.Exception.Message | Should -Match 'recommender\.onnx'
    }

    It 'Get-VaeRecommendation refuses a -Path that matches several folders' {
        New-Item -ItemType Directory (Join-Path $TestDrive 'twin-1'), (Join-Path $TestDrive 'twin-2') | Out-Null
        { Get-VaeRecommendation -Path (Join-Path $TestDrive 'twin-*') -UserId 1 } | Should -Throw -ErrorId 'AmbiguousPath,VaeToolkit.PowerShell.GetVaeRecommendationCommand'
    }

    It 'a path outside the file system is refused' {
        { Test-VaeModel -Path 'Env:PATH' -ErrorAction Stop } | Should -Throw -ErrorId 'NotFileSystemPath*'
    }
}

Describe 'Damaged models' {
    BeforeAll {
        # One tiny run, copied into good and damaged model directories.
        $script:good = (Invoke-VaeTraining -Config $QuickstartConfig -OutputPath (Join-Path $TestDrive 'damage-run') -Set $TinyRun).ModelPath

        # A model directory as written before model.json recorded its files' hashes.
        function New-OlderModel([string] $Name) {
            $copy = Join-Path $TestDrive $Name
            Copy-Item $good $copy -Recurse
            $card = Get-Content (Join-Path $copy 'model.json') -Raw | ConvertFrom-Json -AsHashtable
            $card.Remove('file_sha256')
            $card | ConvertTo-Json -Depth 5 | Set-Content (Join-Path $copy 'model.json')
            $copy
        }
    }

    It 'Test-VaeModel writes one error per damaged model and evaluates the others' {
        $empty = New-OlderModel 'older-empty-graph'
        Set-Content (Join-Path $empty 'recommender.onnx') -Value $null -NoNewline     # 0 bytes: ONNX Runtime cannot load it
        $flipped = Join-Path $TestDrive 'flipped-byte'
        Copy-Item $good $flipped -Recurse
        $encoder = Join-Path $flipped 'encoder.onnx'
        $bytes = [IO.File]::ReadAllBytes($encoder)
        $bytes[[int]($bytes.Length / 2)] = $bytes[[int]($bytes.Length / 2)] -bxor 0x5A
        [IO.File]::WriteAllBytes($encoder, $bytes)

        $results = Test-VaeModel -LiteralPath $good, $empty, $flipped, $good -ErrorVariable errors -ErrorAction SilentlyContinue

        @($results).Count | Should -Be 2
        $results.Path | Should -Be @($good, $good)
        $errors.Count | Should -Be 2
        $errors[0].FullyQualifiedErrorId | Should -Be 'InvalidModel,VaeToolkit.PowerShell.TestVaeModelCommand'
        $errors[0].TargetObject | Should -Be $empty
        $errors[0].Exception.Message | Should -BeLike "'$empty': cannot load recommender.onnx: *"
        $errors[1].FullyQualifiedErrorId | Should -Be 'InvalidModel,VaeToolkit.PowerShell.TestVaeModelCommand'
        $errors[1].TargetObject | Should -Be $flipped
        $errors[1].Exception.Message | Should -Be "'$flipped': encoder.onnx does not match the SHA-256 recorded in model.json (the file is damaged, truncated or was changed after export)"
    }

    It 'an older model without recorded hashes is still served' {
        $older = New-OlderModel 'older-intact'
        (Test-VaeModel -LiteralPath $older).Path | Should -Be $older
    }

    It 'gives the details of an error with -Verbose only' {
        $broken = New-OlderModel 'older-truncated-graph'
        $graph = Join-Path $broken 'encoder.onnx'
        $bytes = [IO.File]::ReadAllBytes($graph)
        [IO.File]::WriteAllBytes($graph, $bytes[0..99])

        $quiet = Test-VaeModel -LiteralPath $broken -ErrorAction SilentlyContinue 4>&1
        $verbose = Test-VaeModel -LiteralPath $broken -Verbose -ErrorAction SilentlyContinue 4>&1

        @($quiet).Count | Should -Be 0
        @($verbose).Count | Should -Be 1
        $verbose[0].Message | Should -BeLike 'Details of the error: VaeToolkit.Runs.ModelBundleException:*cannot load encoder.onnx*'
        $verbose[0].Message | Should -Match '   at '
    }

    It 'Get-VaeRecommendation refuses a damaged model with one error naming the file' {
        $flipped = Join-Path $TestDrive 'flipped-users'
        Copy-Item $good $flipped -Recurse
        $users = Join-Path $flipped 'users.vcsr'
        $bytes = [IO.File]::ReadAllBytes($users)
        $bytes[9] = $bytes[9] -bxor 0x40                                               # the row count
        [IO.File]::WriteAllBytes($users, $bytes)

        $err = { Get-VaeRecommendation -Path $flipped -UserId 1 } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'InvalidModel,VaeToolkit.PowerShell.GetVaeRecommendationCommand'
        $err.Exception.Message | Should -Match 'users\.vcsr does not match the SHA-256'
    }
}

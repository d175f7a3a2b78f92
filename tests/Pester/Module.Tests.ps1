# The public surface: manifest, cmdlets, parameter sets, pipeline binding, output types, help, views.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
}

Describe 'The module manifest' {
    BeforeAll {
        $manifest = Test-ModuleManifest -Path $ModulePath
    }

    It 'is version 0.1.0 for PowerShell 7.4 and later' {
        $manifest.Version | Should -Be ([version]'0.1.0')
        $manifest.PowerShellVersion | Should -Be ([version]'7.4')
    }

    It 'has a description and tags' {
        $manifest.Description | Should -Match 'Mult-VAE'
        $manifest.Tags | Should -Contain 'Recommender'
        $manifest.Tags | Should -Contain 'ONNX'
    }

    It 'exports exactly the fourteen cmdlets' {
        $names = (Get-Command -Module VaeToolkit).Name | Sort-Object
        $names | Should -Be @('Clear-VaeCache', 'Compare-VaeModel', 'Get-VaeDataset', 'Get-VaeRecommendation', 'Get-VaeSimilarItem', 'Get-VaeUserEmbedding', 'Invoke-VaeSweep', 'Invoke-VaeTraining', 'Measure-VaeScoring', 'Measure-VaeTraining', 'Show-VaeRun', 'Start-VaeServer', 'Stop-VaeServer', 'Test-VaeModel')
        (Get-Command -Module VaeToolkit).CommandType | Sort-Object -Unique | Should -Be 'Cmdlet'
    }
}

Describe '<Name>' -ForEach @(
    @{ Name = 'Invoke-VaeTraining'; Sets = @('__AllParameterSets'); ShouldProcess = $true; Output = @('System.Management.Automation.Job', 'VaeToolkit.PowerShell.VaeTrainingResult') }
    @{ Name = 'Invoke-VaeSweep'; Sets = @('Grid', 'Random'); ShouldProcess = $true; Output = @('System.Management.Automation.Job', 'VaeToolkit.PowerShell.VaeSweepTrial') }
    @{ Name = 'Test-VaeModel'; Sets = @('LiteralPath', 'Path'); ShouldProcess = $false; Output = @('VaeToolkit.PowerShell.VaeModelEvaluation') }
    @{ Name = 'Compare-VaeModel'; Sets = @('LiteralPath', 'Path'); ShouldProcess = $false; Output = @('VaeToolkit.PowerShell.VaeComparedRun') }
    @{ Name = 'Get-VaeRecommendation'; Sets = @('File', 'ItemId', 'UserId'); ShouldProcess = $true; Output = @('VaeToolkit.Inference.Batch.BatchScoringSummary', 'VaeToolkit.PowerShell.VaeRecommendation') }
    @{ Name = 'Get-VaeSimilarItem'; Sets = @('__AllParameterSets'); ShouldProcess = $false; Output = @('VaeToolkit.PowerShell.VaeSimilarItem') }
    @{ Name = 'Get-VaeUserEmbedding'; Sets = @('File'); ShouldProcess = $true; Output = @('VaeToolkit.Inference.Batch.BatchScoringSummary') }
    @{ Name = 'Measure-VaeTraining'; Sets = @('__AllParameterSets'); ShouldProcess = $false; Output = @('System.Management.Automation.Job', 'VaeToolkit.Orchestration.Benchmarks.BenchmarkReport') }
    @{ Name = 'Get-VaeDataset'; Sets = @('Config', 'Name'); ShouldProcess = $false; Output = @('VaeToolkit.Data.DatasetReport') }
    @{ Name = 'Clear-VaeCache'; Sets = @('__AllParameterSets'); ShouldProcess = $true; Output = @('VaeToolkit.Data.Caching.CacheEntry') }
    @{ Name = 'Measure-VaeScoring'; Sets = @('__AllParameterSets'); ShouldProcess = $false; Output = @('VaeToolkit.Orchestration.Benchmarks.ScoringBenchmarkReport') }
    @{ Name = 'Start-VaeServer'; Sets = @('__AllParameterSets'); ShouldProcess = $false; Output = @('VaeToolkit.PowerShell.VaeServer') }
    @{ Name = 'Stop-VaeServer'; Sets = @('__AllParameterSets'); ShouldProcess = $true; Output = @('System.Void') }
    @{ Name = 'Show-VaeRun'; Sets = @('LiteralPath', 'Path'); ShouldProcess = $true; Output = @('System.String') }
) {
    BeforeAll {
        $command = Get-Command $Name
    }

    It 'is a sealed cmdlet' {
        $command.ImplementingType.IsSealed | Should -BeTrue
    }

    It 'has the parameter sets <Sets>' {
        $command.ParameterSets.Name | Sort-Object | Should -Be $Sets
    }

    It 'supports -WhatIf and -Confirm only if it writes files' {
        $command.Parameters.ContainsKey('WhatIf') | Should -Be $ShouldProcess
        $command.Parameters.ContainsKey('Confirm') | Should -Be $ShouldProcess
    }

    It 'declares its output types' {
        $command.OutputType.Name | Sort-Object -Unique | Should -Be $Output
    }

    It 'has help with a synopsis, parameter descriptions and examples' {
        $help = Get-Help $Name -Full
        $help.Synopsis | Should -Not -Match "^\s*$Name\s*\[" # not the synopsis PowerShell makes up without a help file
        $help.Synopsis.Length | Should -BeGreaterThan 20
        @($help.Examples.Example).Count | Should -BeGreaterOrEqual 3
        foreach ($example in $help.Examples.Example) {
            $example.Code | Should -Match $Name
            ($example.Remarks.Text -join '') | Should -Not -BeNullOrEmpty
        }
        foreach ($parameter in $help.Parameters.Parameter) {
            ($parameter.Description.Text -join '') | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) needs a description"
        }
    }

    It 'documents every parameter it has' {
        $documented = (Get-Help $Name -Full).Parameters.Parameter.Name
        $actual = $command.Parameters.Keys | Where-Object { $_ -notin [System.Management.Automation.PSCmdlet]::CommonParameters }
        $actual | Should -Not -BeNullOrEmpty
        foreach ($parameter in $actual) { $documented | Should -Contain $parameter }
        # and no parameter it no longer has (the examples that use parameters run in Help.Tests.ps1)
        foreach ($parameter in $documented) { $actual | Should -Contain $parameter -Because "the help of $Name documents -$parameter" }
    }
}

Describe 'Get-Help -Examples' {
    It 'shows the examples of Invoke-VaeTraining' {
        $text = Get-Help Invoke-VaeTraining -Examples | Out-String -Width 200
        $text | Should -Match 'Example 1'
        $text | Should -Match 'Invoke-VaeTraining -Config \./configs/quickstart\.yaml'
    }
}

Describe 'Parameters' {
    It 'Invoke-VaeTraining requires -Config and takes overrides and a device' {
        $parameters = (Get-Command Invoke-VaeTraining).Parameters
        $parameters.Config.Attributes.Where({ $_ -is [Parameter] }).Mandatory | Should -BeTrue
        $parameters.Set.ParameterType | Should -Be ([string[]])
        $parameters.Resume.SwitchParameter | Should -BeTrue
        $parameters.Device.ParameterType | Should -Be ([string])
    }

    It 'Test-VaeModel binds -LiteralPath by property name as ModelPath, RunPath and FullName' {
        $literal = (Get-Command Test-VaeModel).Parameters.LiteralPath
        $literal.Aliases | Should -Contain 'ModelPath'
        $literal.Aliases | Should -Contain 'RunPath'
        $literal.Aliases | Should -Contain 'FullName'
        $literal.Attributes.Where({ $_ -is [Parameter] }).ValueFromPipelineByPropertyName | Should -BeTrue
        (Get-Command Test-VaeModel).Parameters.Path.Attributes.Where({ $_ -is [Parameter] }).ValueFromPipeline | Should -BeTrue
    }

    It 'Get-VaeRecommendation binds -UserId by value and by property name (alias Id)' {
        $userId = (Get-Command Get-VaeRecommendation).Parameters.UserId
        $attribute = $userId.Attributes.Where({ $_ -is [Parameter] })[0]
        $attribute.ValueFromPipeline | Should -BeTrue
        $attribute.ValueFromPipelineByPropertyName | Should -BeTrue
        $userId.Aliases | Should -Contain 'Id'
    }

    It 'Get-VaeSimilarItem binds -ItemId by value and by property name' {
        $itemId = (Get-Command Get-VaeSimilarItem).Parameters.ItemId
        $attribute = $itemId.Attributes.Where({ $_ -is [Parameter] })[0]
        $attribute.ValueFromPipeline | Should -BeTrue
        $attribute.ValueFromPipelineByPropertyName | Should -BeTrue
        $attribute.Mandatory | Should -BeTrue
    }

    It 'Get-VaeRecommendation takes -IncludeSeen for users and histories, not for files' {
        $includeSeen = (Get-Command Get-VaeRecommendation).Parameters.IncludeSeen
        $includeSeen.SwitchParameter | Should -BeTrue
        $includeSeen.ParameterSets.Keys | Sort-Object | Should -Be @('ItemId', 'UserId')
    }

    It 'Get-VaeRecommendation takes -InputPath and -OutputPath together only' {
        $file = (Get-Command Get-VaeRecommendation).ParameterSets.Where({ $_.Name -eq 'File' })[0]
        $file.Parameters.Where({ $_.Name -in 'InputPath', 'OutputPath' -and $_.IsMandatory }).Count | Should -Be 2
        $file.Parameters.Name | Should -Not -Contain 'UserId'
    }

    It 'Get-VaeRecommendation and Get-VaeUserEmbedding take the same file parameters, in the File set only' {
        foreach ($name in 'Get-VaeRecommendation', 'Get-VaeUserEmbedding') {
            $command = Get-Command $name
            $file = $command.ParameterSets.Where({ $_.Name -eq 'File' })[0]
            foreach ($parameter in 'Format', 'UserColumn', 'ItemColumn', 'Delimiter', 'Shard', 'Force', 'SpillDirectory', 'BatchSize') {
                $file.Parameters.Name | Should -Contain $parameter -Because "$name's File set takes -$parameter"
            }
            $command.Parameters.Delimiter.ParameterType | Should -Be ([string]) -Because 'a delimiter may be "`t" or several characters'
            $command.Parameters.Force.SwitchParameter | Should -BeTrue
            $command.Parameters.Format.Attributes.Where({ $_ -is [ValidateSet] }).ValidValues | Sort-Object | Should -Be @('csv', 'parquet')
        }
        $byUser = (Get-Command Get-VaeRecommendation).ParameterSets.Where({ $_.Name -eq 'UserId' })[0]
        $byUser.Parameters.Name | Should -Not -Contain 'Shard'
        $byUser.Parameters.Name | Should -Contain 'BatchSize'
    }

    It 'rejects a device that is not cpu, cuda or cuda:N before loading anything' {
        { Get-VaeRecommendation -Path $TestDrive -UserId 1 -Device gpu } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }

    It 'rejects -Top 0' {
        { Get-VaeRecommendation -Path $TestDrive -UserId 1 -Top 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }
}

Describe 'Format views' {
    It 'has a table view for <_>' -ForEach @(
        'VaeToolkit.PowerShell.VaeRecommendation'
        'VaeToolkit.PowerShell.VaeSimilarItem'
        'VaeToolkit.PowerShell.VaeModelEvaluation'
        'VaeToolkit.PowerShell.VaeComparedRun'
        'VaeToolkit.PowerShell.VaeTrainingResult'
        'VaeToolkit.Orchestration.Benchmarks.BenchmarkReport'
        'VaeToolkit.Inference.Batch.BatchScoringSummary'
        'VaeToolkit.Data.DatasetReport'
        'VaeToolkit.Data.Caching.CacheEntry'
    ) {
        $views = (Get-FormatData -TypeName $_ -PowerShellVersion $PSVersionTable.PSVersion).FormatViewDefinition
        $views.Control | Should -BeOfType ([System.Management.Automation.TableControl])
    }

    It 'shows recommendations as a table with their columns' {
        $row = [VaeToolkit.PowerShell.VaeRecommendation]::new('u1', 1, 'i9', 2.5, 'Some Item')
        $text = $row | Out-String -Width 120
        $text | Should -Match 'UserId\s+Rank\s+ItemId\s+Score\s+ItemName'
        $text | Should -Match 'u1\s+1\s+i9\s+2[.,]500\s+Some Item'
    }
}

# The recommendation service from PowerShell: Start-VaeServer, Invoke-RestMethod, promotion, Stop-VaeServer.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:run = Invoke-VaeTraining -Config $QuickstartConfig -OutputPath (Join-Path $TestDrive 'serve-run') -Set $TinyRun
    $script:other = Invoke-VaeTraining -Config $QuickstartConfig -OutputPath (Join-Path $TestDrive 'serve-other') -Set ($TinyRun + 'seed=7')
}

Describe 'Start-VaeServer' {
    It 'serves a model on a free port, answers Invoke-RestMethod, and stops cleanly' {
        $server = Start-VaeServer -Path $run.RunPath -Url 'http://127.0.0.1:0'
        try {
            $server | Should -BeOfType ([VaeToolkit.PowerShell.VaeServer])
            $server.Url | Should -Match '^http://127\.0\.0\.1:\d+$'
            $server.Url | Should -Not -Be 'http://127.0.0.1:0'

            $body = @{ user_id = '0'; k = 5 } | ConvertTo-Json
            $answer = Invoke-RestMethod -Method Post -Uri "$($server.Url)/v1/recommendations" -Body $body -ContentType 'application/json'
            $answer.items.Count | Should -Be 5
            $answer.source | Should -Be 'model'
            # The same top five as the cmdlet that scores in-process.
            $expected = Get-VaeRecommendation -Path $run.ModelPath -UserId '0' -Top 5
            $answer.items.id | Should -Be $expected.ItemId

            $model = Invoke-RestMethod -Uri "$($server.Url)/v1/model"
            $model.card.data_hash | Should -Be (Get-Content (Join-Path $run.ModelPath 'model.json') -Raw | ConvertFrom-Json).data_hash

            $problem = try { Invoke-RestMethod -Method Post -Uri "$($server.Url)/v1/recommendations" -Body '{"user_id": "nobody"}' -ContentType 'application/json'; $null }
                       catch { $_ }
            $problem.Exception.Response.StatusCode | Should -Be 'NotFound'
            ($problem.ErrorDetails.Message | ConvertFrom-Json).detail | Should -Match "'nobody'"

            (Invoke-WebRequest -Uri "$($server.Url)/metrics").Content | Should -Match 'vaetoolkit_model_info\{'
        }
        finally {
            $server | Stop-VaeServer
        }
        $server.HasExited | Should -BeTrue
        $server.Process.ExitCode | Should -Be 0
        Get-Content $server.LogPath -Raw | Should -Match 'serving model version'
    }

    It 'follows the serving link that Update-VaeModel.ps1 promotes into' {
        $deploy = Join-Path $TestDrive 'serving/current'
        & (Join-Path $RepoRoot 'scripts/Update-VaeModel.ps1') -ModelPath $run.RunPath -DeployPath $deploy -MinimumLift -1 | Out-Null
        $server = Start-VaeServer -Path $deploy -Url 'http://127.0.0.1:0' -ArgumentList '--reload-poll-seconds', '1'
        try {
            $first = (Invoke-RestMethod -Uri "$($server.Url)/v1/model").version
            & (Join-Path $RepoRoot 'scripts/Update-VaeModel.ps1') -ModelPath $other.RunPath -DeployPath $deploy -MinimumLift -1 -Tolerance 1 | Out-Null
            $served = (Get-Item $deploy).LinkTarget | Split-Path -Leaf
            $served | Should -Not -Be $first
            $deadline = (Get-Date).AddSeconds(30)
            do { Start-Sleep -Milliseconds 200; $now = (Invoke-RestMethod -Uri "$($server.Url)/v1/model").version }
            until ($now -eq $served -or (Get-Date) -gt $deadline)
            $now | Should -Be $served
        }
        finally {
            $server | Stop-VaeServer
        }
    }

    It 'requires the API key it was given' {
        $server = Start-VaeServer -Path $run.ModelPath -Url 'http://127.0.0.1:0' -ApiKey 'pester-key'
        try {
            { Invoke-RestMethod -Uri "$($server.Url)/v1/model" } | Should -Throw
            (Invoke-RestMethod -Uri "$($server.Url)/v1/model" -Headers @{ 'X-Api-Key' = 'pester-key' }).version | Should -Be 'serve-run' -Because "a run's model is named after the run"
        }
        finally {
            $server | Stop-VaeServer
        }
    }

    It 'fails with the reason when the model cannot be served' {
        $broken = Join-Path $TestDrive 'broken-model'
        Copy-Item $run.ModelPath $broken -Recurse
        Set-Content (Join-Path $broken 'items.tsv') 'garbage'
        { Start-VaeServer -Path $broken -Url 'http://127.0.0.1:0' -ErrorAction Stop } | Should -Throw -ExpectedMessage '*items.tsv*'
    }
}

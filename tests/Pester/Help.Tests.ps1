# Help: the about topics the module ships, and every cmdlet's examples, run as a user would run them in a
# sandbox that holds what they name (configs/, runs/, users.csv, ...). One small model is trained; every
# other run folder is a copy of it.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')

    # Examples that cannot run here, with the reason. Every cmdlet keeps at least one example that runs
    # (a test below checks it), and a reason for an example that no longer exists is an error.
    $skipped = @{
        'Get-VaeRecommendation#6' = 'scores a Parquet file of a shop''s events with an ML-20M model (hours of training)'
        'Get-VaeRecommendation#7' = 'a cluster job: /models, /data and /scratch of a batch machine'
        'Get-VaeUserEmbedding#2'  = 'a Parquet file of a shop''s events and an ML-20M model (hours of training)'
        'Get-VaeUserEmbedding#4'  = 'a cluster job: /models and /data of a batch machine'
        'Measure-VaeTraining#3'   = 'needs a CUDA GPU and the ML-20M download (190 MB)'
        'Measure-VaeScoring#3'    = 'an ML-20M model (hours of training)'
        'Measure-VaeScoring#4'    = 'an ML-20M model and a CUDA GPU with the CUDA build of ONNX Runtime'
        'Get-VaeDataset#2'        = 'the Netflix Prize data has no public download'
        'Get-VaeDataset#3'        = 'downloads ML-20M (190 MB) and prepares 20 million ratings'
        'Start-VaeServer#2'       = 'a deployment: /srv/vae/current, port 8080 on every interface, an API key from the environment'
        'Start-VaeServer#3'       = 'listens on the fixed port 8080, which another process may hold'
        'Invoke-VaeTraining#6'    = 'ends by starting TensorBoard (tensorboard --logdir), a Python program not installed here'
        'Show-VaeRun#2'           = 'opens the report in the desktop''s viewer'
    }

    # What an example needs beyond the sandbox: the state an earlier example of the same help left, a
    # folder it creates (a run never overwrites one), or a comparable set of runs.
    $setups = @{
        'Invoke-VaeTraining#1' = 'Remove-Item ./runs/quickstart -Recurse -Force'
        'Invoke-VaeTraining#3' = 'Remove-Item ./runs/qs -Recurse -Force'
        'Invoke-VaeTraining#4' = 'Remove-Item ./runs/qs -Recurse -Force; $null = Invoke-VaeTraining ./configs/quickstart.yaml -OutputPath ./runs/qs'
        'Test-VaeModel#2'      = 'Remove-Item ./runs/qs -Recurse -Force'
        'Stop-VaeServer#1'     = '$server = Start-VaeServer -Path ./runs/ml-small -Url http://127.0.0.1:0'
        'Stop-VaeServer#3'     = '$server = Start-VaeServer -Path ./runs/ml-small -Url http://127.0.0.1:0'
    }

    $examples = foreach ($command in Get-Command -Module VaeToolkit | Sort-Object Name) {
        $number = 0
        foreach ($example in (Get-Help $command.Name -Full).Examples.Example) {
            $number++
            $key = "$($command.Name)#$number"
            @{ Name = $command.Name; Number = $number; Code = ($example.Code -join "`n"); Skip = $skipped[$key]; Setup = $setups[$key] }
        }
    }
    $cmdlets = foreach ($command in Get-Command -Module VaeToolkit | Sort-Object Name) {
        @{ Name = $command.Name; Total = @($examples | Where-Object Name -EQ $command.Name).Count; Runnable = @($examples | Where-Object { $_.Name -eq $command.Name -and -not $_.Skip }).Count }
    }
    $staleReasons = @($skipped.Keys + $setups.Keys | Where-Object { $key = $_; -not ($examples | Where-Object { "$($_.Name)#$($_.Number)" -eq $key }) })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    # The engines' types (the registry's config loader, KnownDatasets), from the module's folder; PowerShell loads them only once a cmdlet needs them.
    $null = [Reflection.Assembly]::LoadFrom((Join-Path (Split-Path $ModulePath) 'VaeToolkit.Core.dll'))
    $null = [Reflection.Assembly]::LoadFrom((Join-Path (Split-Path $ModulePath) 'VaeToolkit.Training.dll'))
}

Describe 'about_VaeToolkit' {
    BeforeAll {
        $topic = Get-Help about_VaeToolkit | Out-String -Width 200
    }

    It 'is found by Get-Help once the module is imported' {
        $topic | Should -Match 'about_VaeToolkit'
        $topic | Should -Match 'SHORT DESCRIPTION'
    }

    It 'names every cmdlet the module exports' {
        foreach ($name in (Get-Command -Module VaeToolkit).Name) {
            $topic | Should -Match "\b$([regex]::Escape($name))\b" -Because "about_VaeToolkit lists the cmdlets ($name is missing)"
        }
    }
}

Describe 'about_VaeToolkit_Configuration' {
    BeforeAll {
        $topic = Get-Help about_VaeToolkit_Configuration | Out-String -Width 200
        # The keys the config loader reads, from the loader itself (not a list kept by hand).
        $keys = [VaeToolkit.Training.Models.ModelRegistry]::ConfigLoader.Schema.Keys
        # An entry: the key, indented four spaces, then (on that line or the next) its type and default.
        $entryType = '(?:integer|number|string|boolean|path|int list|number list|string list)'
    }

    It 'is found by Get-Help once the module is imported' {
        $topic | Should -Match 'about_VaeToolkit_Configuration'
    }

    It 'documents every key the loader accepts, with its default' {
        $keys.Count | Should -BeGreaterThan 40
        foreach ($key in $keys) {
            # An entry is the key at the start of a line, then (on that line or the next) its type and default.
            $entry = [regex]::Match($topic, "(?m)^ {4}$([regex]::Escape($key))\s+$entryType\s+(?<default>\S+)")
            $entry.Success | Should -BeTrue -Because "about_VaeToolkit_Configuration documents '$key' with its type and default"
            $default = [VaeToolkit.Training.Models.ModelRegistry]::ConfigLoader.Schema.DefaultText($key)
            if ($null -ne $default -and $default -notmatch '^\[') {
                $entry.Groups['default'].Value | Should -Be $default -Because "the default of '$key' is $default"
            }
        }
    }

    It 'documents no key the loader does not accept' {
        $documented = [regex]::Matches($topic, "(?m)^ {4}([a-z][a-z_0-9.]*)\s+$entryType\b") | ForEach-Object { $_.Groups[1].Value }
        $documented | Should -Not -BeNullOrEmpty
        foreach ($key in $documented) {
            $keys | Should -Contain $key -Because "about_VaeToolkit_Configuration documents '$key'"
        }
    }
}

Describe 'The examples of each cmdlet' {
    It '<Name> has an example that runs here (<Runnable> of <Total>)' -ForEach $cmdlets {
        $Total | Should -BeGreaterThan 0
        $Runnable | Should -BeGreaterThan 0 -Because 'at least one example of every cmdlet must run'
    }

    # Discovery's variables reach a test only through -ForEach.
    It 'skips or prepares only examples that exist' -ForEach @{ Stale = $staleReasons } {
        $Stale | Should -BeNullOrEmpty
    }
}

Describe 'Running the examples' {
    BeforeAll {
        & {
            # The sandbox: tiny configs under the names the examples use, a slice of MovieLens (the first
            # 9,000 ratings, users 1 to about 60) as ml-latest-small, a run trained on it, copies of that run
            # under the other names the examples use, and the files they read. The data caches go to the
            # sandbox (XDG_CACHE_HOME), so Clear-VaeCache clears the sandbox's.
            $ErrorActionPreference = 'Stop' # a sandbox without its data is an error here, not 45 failed examples
            $script:pristine = Join-Path $TestDrive 'sandbox'
            $script:savedEnvironment = @{ XDG_CACHE_HOME = $env:XDG_CACHE_HOME; VAETOOLKIT_DATA = $env:VAETOOLKIT_DATA }
            $dataDir = [VaeToolkit.Training.Models.ModelRegistry]::ConfigLoader.Load($MovieLensConfig).Data.DataDir
            $movieLens = Join-Path $dataDir 'ml-latest-small'
            New-Item -ItemType Directory -Force (Join-Path $pristine 'configs'), (Join-Path $pristine 'runs'), (Join-Path $pristine 'data/ml-latest-small'), (Join-Path $pristine 'cache') | Out-Null
            $env:XDG_CACHE_HOME = Join-Path $pristine 'cache'
            $env:VAETOOLKIT_DATA = $dataDir
            Get-Content (Join-Path $movieLens 'ratings.csv') -TotalCount 9001 | Set-Content (Join-Path $pristine 'data/ml-latest-small/ratings.csv')
            Copy-Item (Join-Path $movieLens 'movies.csv') (Join-Path $pristine 'data/ml-latest-small/movies.csv')
            $tiny = @'
model:
  encoder_dims: [32, 8]
training:
  epochs: 2
  batch_size: 50
  total_anneal_steps: 200
  checkpoint_step: 1
  warm_up_epochs: 1
evaluation:
  batch_size: 100
'@
            Set-Content (Join-Path $pristine 'configs/ml-latest-small.yaml') "data:`n  dataset: ml-latest-small`n  path: ../data/ml-latest-small`n  heldout_users: 5`n$tiny"
            Set-Content (Join-Path $pristine 'configs/quickstart.yaml') "data:`n  dataset: synthetic`n  positive_threshold: null`n  heldout_users: 40`n  synthetic:`n    users: 400`n    items: 200`n$tiny"
            $run = Invoke-VaeTraining -Config (Join-Path $pristine 'configs/ml-latest-small.yaml') -OutputPath (Join-Path $pristine 'runs/ml-small') -ProgressAction SilentlyContinue
            foreach ($name in 'quickstart', 'qs', 'mls', 'mls-vae', 'mls-dae') { Copy-Item $run.RunPath (Join-Path $pristine "runs/$name") -Recurse }
            Set-Content (Join-Path $pristine 'users.csv') "UserId`n1`n42`nnobody"
            Get-Content (Join-Path $pristine 'data/ml-latest-small/ratings.csv') -TotalCount 2001 | Set-Content (Join-Path $pristine 'interactions.csv')
            Set-Content (Join-Path $pristine 'export.txt') "movieId`trating`tuserId`n260`t5.0`tu1`n1196`t4.5`tu1`n2571`t4.0`tu2"
        }
    }

    AfterAll {
        foreach ($name in $savedEnvironment.Keys) { Set-Item "env:$name" $savedEnvironment[$name] -ErrorAction SilentlyContinue; if ($null -eq $savedEnvironment[$name]) { Remove-Item "env:$name" -ErrorAction SilentlyContinue } }
    }

    It '<Name> example <Number>' -ForEach $examples {
        if ($Skip) { Set-ItResult -Skipped -Because $Skip; return }
        # Each example gets its own copy of the sandbox: what one writes (a run, a cache entry) is not another's.
        $work = Join-Path $TestDrive "$Name-$Number"
        Copy-Item $pristine $work -Recurse
        $env:XDG_CACHE_HOME = Join-Path $work 'cache'
        Push-Location $work
        try {
            # As a user runs it, except that any error stops it: an example whose cmdlet writes an error fails
            # unless the example itself says what to do with errors (-ErrorAction, -ErrorVariable).
            & {
                $ErrorActionPreference = 'Stop'
                $ProgressPreference = 'SilentlyContinue'
                try {
                    if ($Setup) { . ([scriptblock]::Create($Setup)) }
                    $null = . ([scriptblock]::Create($Code)) 4>$null
                }
                finally {
                    Get-Variable | ForEach-Object { $_.Value } | Where-Object { $_ -is [VaeToolkit.PowerShell.VaeServer] } |
                        Stop-VaeServer -ErrorAction SilentlyContinue
                }
            }
        }
        finally {
            Pop-Location
            $env:XDG_CACHE_HOME = Join-Path $pristine 'cache'
        }
    }
}

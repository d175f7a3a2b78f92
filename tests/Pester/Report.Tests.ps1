# The run report: what Invoke-VaeTraining writes, what Test-VaeModel adds, and Show-VaeRun.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:run = Invoke-VaeTraining -Config $QuickstartConfig -OutputPath (Join-Path $TestDrive 'runs/tiny') -Set $TinyRun
}

Describe 'The run report' {
    It 'is written by Invoke-VaeTraining: report.md and a PNG of the curves' {
        $report = Join-Path $run.RunPath 'report.md'
        $curves = Join-Path $run.RunPath 'curves.png'
        $report | Should -Exist
        $curves | Should -Exist
        $bytes = [System.IO.File]::ReadAllBytes($curves)
        [System.BitConverter]::ToString($bytes, 0, 8) | Should -Be '89-50-4E-47-0D-0A-1A-0A'
        Get-Content $report -Raw | Should -Match ([regex]::Escape('](curves.png)'))
    }

    It 'gets the test metrics and the EASE baseline from Test-VaeModel' {
        $evaluation = $run | Test-VaeModel
        $evaluation.EaseNdcgAt100 | Should -Not -BeNullOrEmpty
        $text = Get-Content (Join-Path $run.RunPath 'report.md') -Raw
        $text | Should -Match ([regex]::Escape("| **vae** (this run) | **$($evaluation.NdcgAt100.ToString('F4', [cultureinfo]::InvariantCulture))** |"))
        $text | Should -Match ([regex]::Escape("| popularity | $($evaluation.PopularityNdcgAt100.ToString('F4', [cultureinfo]::InvariantCulture)) |"))
        $text | Should -Match ([regex]::Escape("EASE baseline (λ $($evaluation.EaseLambda)) | $($evaluation.EaseNdcgAt100.ToString('F4', [cultureinfo]::InvariantCulture)) |"))
    }
}

Describe 'Show-VaeRun' {
    It 'writes the report again and returns its Markdown, with the manifest''s numbers' {
        Remove-Item (Join-Path $run.RunPath 'report.md'), (Join-Path $run.RunPath 'curves.png')
        $text = Show-VaeRun -Path $run.RunPath

        $text | Should -BeOfType ([string])
        $text | Should -Be (Get-Content (Join-Path $run.RunPath 'report.md') -Raw)
        Join-Path $run.RunPath 'curves.png' | Should -Exist
        $data = (Get-Manifest $run.RunPath).data
        $text | Should -Match ([regex]::Escape("| $($data.name) | $($data.items.ToString('N0', [cultureinfo]::InvariantCulture)) | $($data.train_users.ToString('N0', [cultureinfo]::InvariantCulture)) | $($data.train_interactions.ToString('N0', [cultureinfo]::InvariantCulture)) |"))
    }

    It 'takes Invoke-VaeTraining''s result and run folders from the pipeline' {
        @($run | Show-VaeRun).Count | Should -Be 1
        @(Get-Item $run.RunPath | Show-VaeRun).Count | Should -Be 1
        @(Show-VaeRun -LiteralPath $run.ModelPath) | Should -Match '^# Run report: tiny'
    }

    It 'writes nothing with -WhatIf' {
        Remove-Item (Join-Path $run.RunPath 'report.md')
        Show-VaeRun -Path $run.RunPath -WhatIf | Should -BeNullOrEmpty
        Join-Path $run.RunPath 'report.md' | Should -Not -Exist
    }

    It 'writes an error naming a path that is not a run, and shows the others' {
        $notRun = New-Item -ItemType Directory (Join-Path $TestDrive 'not-a-run')
        $shown = @(Show-VaeRun -Path $notRun.FullName, $run.RunPath -ErrorVariable errors -ErrorAction SilentlyContinue)

        $shown.Count | Should -Be 1
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'InvalidData,VaeToolkit.PowerShell.ShowVaeRunCommand'
        $errors[0].Exception.Message | Should -Be "'$($notRun.FullName)' is not a run directory: it has no manifest.json"
        $errors[0].TargetObject | Should -Be $notRun.FullName
    }

    It 'says so when -Open finds no desktop, naming the report it wrote' -Skip:(-not $IsLinux -or $env:DISPLAY -or $env:WAYLAND_DISPLAY) {
        $out = Show-VaeRun -Path $run.RunPath -Open -ErrorVariable errors -ErrorAction SilentlyContinue

        $out | Should -BeNullOrEmpty
        $report = Join-Path $run.RunPath 'report.md'
        $errors[0].FullyQualifiedErrorId | Should -Be 'ReportNotOpened,VaeToolkit.PowerShell.ShowVaeRunCommand'
        $errors[0].TargetObject | Should -Be $report
        $errors[0].Exception.Message | Should -Match 'no desktop'
        $report | Should -Exist
    }
}

# Early stopping and the TensorBoard log through Invoke-VaeTraining, on the synthetic quick-start data.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
}

Describe 'Invoke-VaeTraining with early stopping' {
    It 'stops where validation stops improving, says why, and logs every epoch for TensorBoard' {
        $target = Join-Path $TestDrive 'early'
        $run = Invoke-VaeTraining -Config $QuickstartConfig -OutputPath $target -Set training.epochs=30, training.early_stopping_patience=1

        $manifest = Get-Manifest $run.RunPath
        $ndcgs = @($manifest.history | ForEach-Object validation_ndcg_at100)
        # patience 1: every validation but the last beat the one before it, the last did not.
        $run.StopReason | Should -Be 'early_stopping'
        $run.Epochs | Should -BeLessThan 30
        $run.Epochs | Should -Be $manifest.history.Count
        $ndcgs[-1] | Should -Not -BeGreaterThan $ndcgs[-2]
        for ($i = 1; $i -lt $ndcgs.Count - 1; $i++) { $ndcgs[$i] | Should -BeGreaterThan $ndcgs[$i - 1] }
        $run.BestEpoch | Should -Be ($run.Epochs - 1)
        $run.StopDescription | Should -BeLike "stopped early after epoch $($run.Epochs):*"
        $manifest.stop_reason | Should -Be 'early_stopping'
        @(Get-ChildItem (Join-Path $target 'tensorboard') -Filter 'events.out.tfevents.*').Count | Should -Be 1
    }

    It 'completes every epoch without it' {
        $run = Invoke-VaeTraining -Config $QuickstartConfig -OutputPath (Join-Path $TestDrive 'full') -Set training.epochs=2
        $run.StopReason | Should -Be 'completed'
        $run.Epochs | Should -Be 2
    }
}

@{
    RootModule           = 'VaeToolkit.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b0c6a53-8f5e-4d0c-9a57-2f7f3c7e1d41'
    Author               = 'VaeToolkit contributors'
    Copyright            = '(c) VaeToolkit contributors'
    Description          = 'Train Mult-VAE collaborative-filtering recommenders (Liang et al., 2018), Mult-DAE, EASE and RecVAE with TorchSharp, export them to ONNX and serve them with ONNX Runtime: Invoke-VaeTraining writes a run directory (config, manifest, checkpoints, model, TensorBoard events, a report with training curves), Invoke-VaeSweep trains a grid or random search of runs, Show-VaeRun shows a run''s report, Test-VaeModel scores a model against the popularity baseline, Compare-VaeModel puts runs on the same data side by side, Get-VaeRecommendation recommends for known users, new histories or whole files (CSV/TSV or Parquet, any size, sharded across workers), Get-VaeUserEmbedding writes every user''s latent vector for the same files, Get-VaeSimilarItem finds the items most like an item, Measure-VaeTraining benchmarks training speed and Measure-VaeScoring scoring speed (ONNX Runtime against libtorch).'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('VaeToolkit.format.ps1xml')
    CmdletsToExport      = @('Invoke-VaeTraining', 'Test-VaeModel', 'Compare-VaeModel', 'Get-VaeRecommendation', 'Measure-VaeTraining', 'Get-VaeDataset', 'Clear-VaeCache', 'Measure-VaeScoring', 'Get-VaeUserEmbedding', 'Get-VaeSimilarItem', 'Start-VaeServer', 'Stop-VaeServer', 'Invoke-VaeSweep', 'Show-VaeRun')
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags = @('Recommender', 'RecommenderSystems', 'CollaborativeFiltering', 'VAE', 'MultVAE', 'MachineLearning', 'TorchSharp', 'ONNX', 'OnnxRuntime', 'MovieLens', 'PSEdition_Core', 'Linux')
        }
    }
}

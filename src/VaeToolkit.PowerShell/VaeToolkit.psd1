@{
    RootModule        = 'VaeToolkit.PowerShell.dll'
    ModuleVersion     = '0.1.0'
    GUID              = '5b0c6a53-8f5e-4d0c-9a57-2f7f3c7e1d41'
    Author            = 'VaeToolkit contributors'
    Description       = 'Train Mult-VAE recommenders with TorchSharp, export them to ONNX and serve them with ONNX Runtime.'
    PowerShellVersion = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess  = @('VaeToolkit.format.ps1xml')
    CmdletsToExport   = @()
    FunctionsToExport = @()
    VariablesToExport = @()
    AliasesToExport   = @()
}

using System.Management.Automation;
using VaeToolkit.Configuration;
using VaeToolkit.Orchestration.Runs;

namespace VaeToolkit.PowerShell;

/// <summary>
/// Invoke-VaeTraining: one training run into a run directory (resolved config, manifest, checkpoints,
/// the exported ONNX model and its test scores), or the continuation of one with -Resume.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "VaeTraining", SupportsShouldProcess = true)]
[OutputType(typeof(VaeTrainingResult))]
[OutputType(typeof(Job))]
public sealed class InvokeVaeTrainingCommand : TrainingCommandBase
{
    /// <summary>The run directory; by default runs/&lt;config name&gt;-&lt;UTC time&gt; under the current location.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? OutputPath { get; set; }

    /// <summary>Continue the run in -OutputPath from its last checkpoint (only training.epochs, early stopping and export.precision may change).</summary>
    [Parameter]
    public SwitchParameter Resume { get; set; }

    protected override void EndProcessing()
    {
        VaeConfig config = LoadConfig();
        string? runDirectory;
        if (OutputPath is null)
            runDirectory = TrainingJob.DefaultRunDirectory(config, SessionState.Path.CurrentFileSystemLocation.ProviderPath);
        else if (!FileSystemPaths.TryUnresolved(SessionState.Path, OutputPath, out runDirectory, out ErrorRecord? error))
        {
            ThrowTerminatingError(error);
            return;
        }
        try
        {
            // Refuse up front what the engine would refuse, before ShouldProcess and before anything is written.
            TrainingJob.CheckRunDirectory(runDirectory, Resume);
        }
        catch (IOException e)
        {
            ThrowTerminatingError(EngineErrors.ToErrorRecord(e, runDirectory));
        }

        string model = config.Model.Type.ToUpperInvariant();
        string action = Resume
            ? $"Resume training {model} to epoch {config.Training.Epochs}"
            : $"Train {model} on '{config.Data.Dataset}' for {config.Training.Epochs} epochs";
        if (!ShouldProcess(runDirectory, action)) return;
        if (TryStartJob((nameof(OutputPath), OutputPath is null ? null : runDirectory))) return;

        var request = new TrainingRequest(config, runDirectory, Resume, IsDefaultDirectory: OutputPath is null);
        var result = RunTrainer($"Training {model} on {config.Data.Dataset}", runDirectory,
            (progress, log, token) => TrainingJob.Run(request, progress, log, token));
        WriteObject(VaeTrainingResult.From(result));
    }
}

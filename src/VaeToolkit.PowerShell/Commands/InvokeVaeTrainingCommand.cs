using System.Management.Automation;
using VaeToolkit.Configuration;
using VaeToolkit.Runs;
using VaeToolkit.Training;
using VaeToolkit.Training.Runs;

namespace VaeToolkit.PowerShell;

/// <summary>
/// Invoke-VaeTraining: one training run into a run directory (resolved config, manifest, checkpoints,
/// the exported ONNX model and its test scores), or the continuation of one with -Resume.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "VaeTraining", SupportsShouldProcess = true)]
[OutputType(typeof(VaeTrainingResult))]
public sealed class InvokeVaeTrainingCommand : PSCmdlet
{
    private readonly CancellationTokenSource stopping = new();

    /// <summary>The YAML experiment file.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Config { get; set; } = "";

    /// <summary>The run directory; by default runs/&lt;config name&gt;-&lt;UTC time&gt; under the current location.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? OutputPath { get; set; }

    /// <summary>Continue the run in -OutputPath from its last checkpoint (only training.epochs may change).</summary>
    [Parameter]
    public SwitchParameter Resume { get; set; }

    /// <summary>Config overrides such as training.epochs=10, applied after the file is read.</summary>
    [Parameter]
    [ValidateNotNull]
    public string[] Set { get; set; } = [];

    /// <summary>cpu, cuda or cuda:N; overrides the config's device.</summary>
    [Parameter]
    [ValidatePattern(DevicePattern.Value)]
    public string? Device { get; set; }

    /// <summary>fp32, tf32, bf16 or fp16; overrides the config's precision.</summary>
    [Parameter]
    [ValidateSet("fp32", "tf32", "bf16", "fp16")]
    public string? Precision { get; set; }

    /// <summary>Data-parallel replicas (one per GPU); overrides the config's gpus.</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int? Gpus { get; set; }

    protected override void EndProcessing()
    {
        if (!FileSystemPaths.TryUnresolved(SessionState.Path, Config, out string? configPath, out ErrorRecord? error))
        {
            ThrowTerminatingError(error);
            return;
        }
        VaeConfig config;
        try
        {
            config = TrainingConfigs.Load(configPath, Set, Device, Precision, Gpus);
        }
        catch (ConfigException e)
        {
            ThrowTerminatingError(EngineErrors.ToErrorRecord(e, configPath));
            return;
        }

        string? runDirectory;
        if (OutputPath is null)
            runDirectory = TrainingJob.DefaultRunDirectory(config, SessionState.Path.CurrentFileSystemLocation.ProviderPath);
        else if (!FileSystemPaths.TryUnresolved(SessionState.Path, OutputPath, out runDirectory, out error))
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

        var view = new TrainingProgressView($"Training {model} on {config.Data.Dataset}");
        using var worker = new PipelineWorker();
        var progress = worker.Report<TrainingProgress>(p =>
        {
            foreach (var record in view.Update(p)) WriteProgress(record);
            if (p.EpochCompleted is { } epoch) WriteVerbose($"Epoch {epoch.Epoch}/{p.Epochs}: {TrainingProgressView.Describe(epoch)}");
        });
        var log = worker.Report<string>(WriteVerbose);
        var request = new TrainingRequest(config, runDirectory, Resume);
        TrainingRunResult result;
        try
        {
            result = worker.Run(token => TrainingJob.Run(request, progress, log, token), stopping.Token);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Ctrl+C: the engine stopped after its current batch and kept the last checkpoint (-Resume continues).
            throw new PipelineStoppedException();
        }
        catch (Exception e) when (EngineErrors.IsExpected(e))
        {
            ThrowTerminatingError(EngineErrors.ToErrorRecord(e, runDirectory));
            return;
        }
        finally
        {
            if (!stopping.IsCancellationRequested)
                foreach (var record in view.Complete()) WriteProgress(record);
        }
        WriteObject(VaeTrainingResult.From(result));
    }

    protected override void StopProcessing() => stopping.Cancel();
}

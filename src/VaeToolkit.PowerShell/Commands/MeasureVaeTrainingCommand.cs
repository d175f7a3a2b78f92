using System.Management.Automation;
using VaeToolkit.Configuration;
using VaeToolkit.Training;
using VaeToolkit.Training.Runs;

namespace VaeToolkit.PowerShell;

/// <summary>
/// Measure-VaeTraining: benchmark mode. Trains for the configured epochs without writing anything and
/// reports mean epoch and validation times and users per second, after the warm-up epochs.
/// </summary>
[Cmdlet(VerbsDiagnostic.Measure, "VaeTraining")]
[OutputType(typeof(BenchmarkReport))]
public sealed class MeasureVaeTrainingCommand : PSCmdlet
{
    private readonly CancellationTokenSource stopping = new();

    /// <summary>The YAML experiment file.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Config { get; set; } = "";

    /// <summary>Epochs to time, warm-up included; overrides training.epochs.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Epochs { get; set; }

    /// <summary>Config overrides such as training.batch_size=500, applied after the file is read.</summary>
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
        string[] set = Epochs is int epochs ? [.. Set, $"training.epochs={epochs}"] : Set;

        var view = new TrainingProgressView("Benchmarking training");
        using var worker = new PipelineWorker();
        var progress = worker.Report<TrainingProgress>(p =>
        {
            foreach (var record in view.Update(p)) WriteProgress(record);
            if (p.EpochCompleted is { } epoch) WriteVerbose($"Epoch {epoch.Epoch}/{p.Epochs}: {TrainingProgressView.Describe(epoch)}");
        });
        var log = worker.Report<string>(WriteVerbose);
        BenchmarkReport report;
        try
        {
            VaeConfig config = TrainingConfigs.Load(configPath, set, Device, Precision, Gpus);
            report = worker.Run(token => TrainingBenchmark.Run(config, progress, log, token), stopping.Token);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (Exception e) when (EngineErrors.IsExpected(e))
        {
            ThrowTerminatingError(EngineErrors.ToErrorRecord(e, configPath));
            return;
        }
        finally
        {
            if (!stopping.IsCancellationRequested)
                foreach (var record in view.Complete()) WriteProgress(record);
        }
        WriteObject(report);
    }

    protected override void StopProcessing() => stopping.Cancel();
}

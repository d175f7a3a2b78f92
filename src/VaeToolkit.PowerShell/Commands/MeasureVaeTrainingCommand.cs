using System.Management.Automation;
using VaeToolkit.Configuration;
using VaeToolkit.Orchestration.Benchmarks;

namespace VaeToolkit.PowerShell;

/// <summary>
/// Measure-VaeTraining: benchmark mode. Trains for the configured epochs without writing anything and
/// reports mean epoch and validation times and users per second, after the warm-up epochs.
/// </summary>
[Cmdlet(VerbsDiagnostic.Measure, "VaeTraining")]
[OutputType(typeof(BenchmarkReport))]
[OutputType(typeof(Job))]
public sealed class MeasureVaeTrainingCommand : TrainingCommandBase
{
    /// <summary>Epochs to time, warm-up included; overrides training.epochs.</summary>
    [Parameter]
    [ValidateRange(1, SettingRanges.MaxEpochs)]
    public int? Epochs { get; set; }

    protected override void EndProcessing()
    {
        var config = Epochs is int epochs ? LoadConfig($"training.epochs={epochs}") : LoadConfig();
        if (TryStartJob()) return;
        var report = RunTrainer("Benchmarking training", Config,
            (progress, log, token) => TrainingBenchmark.Run(config, progress, log, token));
        WriteObject(report);
    }
}

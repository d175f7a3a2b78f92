using System.Text.Json.Serialization;
using VaeToolkit.Training;

namespace VaeToolkit.Orchestration.Benchmarks;

/// <summary>
/// Training speed as the reference <c>--benchmark</c> reports it: mean epoch training and validation
/// times after the warm-up epochs, and users per second. <c>mean_issue_seconds</c> is how long the host
/// took to issue an epoch's work: near <c>mean_epoch_seconds</c>, the host sets the pace, not the device.
/// <c>kernels</c> says whether the fused CUDA kernels ran, or libtorch's operators (and why).
/// <c>mean_step_ms_by_phase</c> splits a training step's time by phase and
/// <c>mean_validation_ms_by_phase</c> a validation's (device time on CUDA, see <see cref="PhaseTimer"/>).
/// In fp16, <c>skipped_steps</c> counts the steps whose gradients overflowed.
/// </summary>
public sealed record BenchmarkReport(
    string Dataset,
    string Device,
    string DeviceName,
    string Precision,
    string Kernels,
    int Gpus,
    int Threads,
    int Epochs,
    int WarmUpEpochs,
    int TrainUsers,
    int ValidationUsers,
    int Items,
    int BatchSize,
    double MeanEpochSeconds,
    double MeanValidationSeconds,
    double MeanIssueSeconds,
    [property: JsonPropertyName("mean_step_ms_by_phase")] IReadOnlyDictionary<string, double> MeanStepMillisecondsByPhase,
    [property: JsonPropertyName("mean_validation_ms_by_phase")] IReadOnlyDictionary<string, double> MeanValidationMillisecondsByPhase,
    [property: JsonPropertyName("train_users_per_s")] double TrainUsersPerSecond,
    [property: JsonPropertyName("validation_users_per_s")] double ValidationUsersPerSecond,
    double BestValidationNdcgAt100,
    IReadOnlyList<double> EpochSeconds)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? SkippedSteps { get; init; }

    /// <summary>Averages over the epochs after <paramref name="warmUpEpochs"/> (all of them if none are left).</summary>
    public static BenchmarkReport From(IReadOnlyList<EpochRecord> history, int warmUpEpochs, string dataset, string device, string deviceName,
        string precision, string kernels, int gpus, int threads, int items, int batchSize, double bestNdcg)
    {
        var measured = history.Skip(warmUpEpochs).ToList();
        if (measured.Count == 0) measured = history.ToList();
        double meanEpoch = measured.Average(e => e.TrainSeconds);
        var validated = measured.Where(e => e.ValidationSeconds is not null).ToList();
        double meanValidation = validated.Count == 0 ? 0 : validated.Average(e => e.ValidationSeconds!.Value);
        int trainUsers = history[0].TrainUsers;
        int validationUsers = history[0].ValidationUsers;
        double steps = measured.Count * Math.Ceiling(trainUsers / (double)batchSize);
        var stepPhases = MeanMilliseconds(measured.Select(e => e.PhaseSeconds), steps);
        var validationPhases = MeanMilliseconds(validated.Select(e => e.ValidationPhaseSeconds), validated.Count);
        return new BenchmarkReport(
            dataset, device, deviceName, precision, kernels, gpus, threads, history.Count, Math.Min(warmUpEpochs, history.Count - measured.Count), trainUsers, validationUsers, items, batchSize,
            meanEpoch, meanValidation, measured.Average(e => e.IssueSeconds ?? 0), stepPhases, validationPhases,
            meanEpoch > 0 ? trainUsers / meanEpoch : 0,
            meanValidation > 0 ? validationUsers / meanValidation : 0,
            bestNdcg,
            history.Select(e => e.TrainSeconds).ToArray())
        {
            SkippedSteps = history[^1].SkippedSteps,
        };
    }

    // Each phase's total over the epochs, in milliseconds per one of `count` (steps or validations).
    private static Dictionary<string, double> MeanMilliseconds(IEnumerable<IReadOnlyDictionary<string, double>?> phases, double count) =>
        phases.OfType<IReadOnlyDictionary<string, double>>().SelectMany(p => p)
            .GroupBy(phase => phase.Key)
            .ToDictionary(group => group.Key, group => Math.Round(group.Sum(phase => phase.Value) * 1000 / count, 3));
}

using VaeToolkit.Training;

namespace VaeToolkit.Cli.Progress;

/// <summary>One line per epoch on standard error (per candidate setting for a closed form such as EASE's λ).</summary>
internal sealed class EpochLinePrinter(TextWriter error) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value)
    {
        if (value.EpochCompleted is not null) error.WriteLine(Format(value));
    }

    /// <summary>The line of a report that completes an epoch.</summary>
    public static string Format(TrainingProgress value)
    {
        var epoch = value.EpochCompleted ?? throw new ArgumentException("the report completes no epoch", nameof(value));
        string validation = epoch.ValidationNdcgAt100 is double ndcg ? $"  validation NDCG@100 {ndcg:F4}" : "";
        string scale = epoch.LossScale is double lossScale ? $"  loss scale {lossScale:G} ({epoch.SkippedSteps} steps skipped)" : "";
        if (epoch.Settings is { } settings) // a closed form trying settings (EASE's λ), not an epoch
        {
            string tried = string.Join("  ", settings.Select(setting => $"{setting.Key} {setting.Value:G}"));
            return $"candidate {epoch.Epoch,2}/{value.Epochs}  {tried}  {epoch.TrainSeconds,7:F2}s{validation}";
        }
        return $"epoch {epoch.Epoch,4}/{value.Epochs}  loss {epoch.Loss,10:F3}  {epoch.TrainSeconds,7:F2}s  {epoch.TrainUsersPerSecond,10:F0} users/s{validation}{scale}";
    }
}

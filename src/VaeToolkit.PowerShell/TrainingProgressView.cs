using System.Globalization;
using System.Management.Automation;
using VaeToolkit.Training;

namespace VaeToolkit.PowerShell;

/// <summary>
/// The progress records of a training run: one for the epochs (percent of epochs, the last epoch's loss
/// and validation NDCG@100) with a child for the batches of the current epoch.
/// </summary>
internal sealed class TrainingProgressView(string activity)
{
    private const int EpochsId = 1;
    private const int BatchesId = 2;

    private string lastEpoch = "";

    /// <summary>The records to write for one engine report.</summary>
    public IEnumerable<ProgressRecord> Update(TrainingProgress progress)
    {
        if (progress.EpochCompleted is { } record)
        {
            lastEpoch = $"; epoch {record.Epoch}: {Describe(record)}";
            yield return Epochs(progress.Epoch, progress.Epochs);
            yield return new ProgressRecord(BatchesId, $"Epoch {progress.Epoch}", "Done") { ParentActivityId = EpochsId, RecordType = ProgressRecordType.Completed };
            yield break;
        }
        if (progress.Batch == 1)
            yield return Epochs(progress.Epoch - 1, progress.Epochs);
        yield return new ProgressRecord(BatchesId, $"Epoch {progress.Epoch}", $"Batch {progress.Batch}/{progress.Batches}")
        {
            ParentActivityId = EpochsId,
            PercentComplete = Percent(progress.Batch, progress.Batches),
        };
    }

    /// <summary>The records that close the bars when the run ends, however it ends.</summary>
    public IEnumerable<ProgressRecord> Complete()
    {
        yield return new ProgressRecord(BatchesId, "Batches", "Done") { ParentActivityId = EpochsId, RecordType = ProgressRecordType.Completed };
        yield return new ProgressRecord(EpochsId, activity, "Done") { RecordType = ProgressRecordType.Completed };
    }

    /// <summary>A finished epoch as one line, for the verbose stream.</summary>
    public static string Describe(EpochRecord epoch)
    {
        string validation = epoch.ValidationNdcgAt100 is double ndcg ? $", validation NDCG@100 {ndcg:F4}" : "";
        string scale = epoch.LossScale is double lossScale ? $", loss scale {lossScale:G} ({epoch.SkippedSteps} steps skipped)" : "";
        if (epoch.Settings is { } settings) // a closed form trying settings (EASE's λ), not an epoch
            return string.Create(CultureInfo.InvariantCulture, $"{string.Join(", ", settings.Select(setting => $"{setting.Key} {setting.Value:G}"))}{validation} ({epoch.TrainSeconds:F2} s)");
        return string.Create(CultureInfo.InvariantCulture, $"loss {epoch.Loss:F3}{validation}{scale} ({epoch.TrainSeconds:F2} s, {epoch.TrainUsersPerSecond:F0} users/s)");
    }

    private ProgressRecord Epochs(int done, int epochs) =>
        new(EpochsId, activity, $"Epoch {Math.Min(done + 1, epochs)}/{epochs}{lastEpoch}") { PercentComplete = Percent(done, epochs) };

    private static int Percent(int done, int total) => total <= 0 ? -1 : Math.Clamp(done * 100 / total, 0, 100);
}

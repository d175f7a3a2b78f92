using System.Globalization;
using System.Management.Automation;
using VaeToolkit.Orchestration.Sweeps;

namespace VaeToolkit.PowerShell;

/// <summary>
/// The progress records of a sweep: one for the trials (how many have ended, the best so far), with a child
/// per running trial showing its epoch.
/// </summary>
internal sealed class SweepProgressView(int trials)
{
    private const int SweepId = 1;
    private const int FirstTrialId = 100;

    private string best = "";
    private double bestNdcg = double.NegativeInfinity;

    public IEnumerable<ProgressRecord> Update(SweepProgress progress)
    {
        int id = FirstTrialId + progress.Trial.Index;
        if (progress.Finished is { } finished)
        {
            if (finished.BestValidationNdcgAt100 is double ndcg && ndcg > bestNdcg)
            {
                bestNdcg = ndcg;
                best = string.Create(CultureInfo.InvariantCulture, $"; best so far {finished.Trial.Name} (validation NDCG@100 {ndcg:F4})");
            }
            yield return new ProgressRecord(id, finished.Trial.Name, finished.Status) { ParentActivityId = SweepId, RecordType = ProgressRecordType.Completed };
            yield return Sweep(progress.TrialsDone);
            yield break;
        }
        if (progress.Training is { } training && (training.Batch == 1 || training.EpochCompleted is not null))
        {
            string status = training.EpochCompleted is { } epoch
                ? $"Epoch {epoch.Epoch}/{training.Epochs}: {TrainingProgressView.Describe(epoch)}"
                : $"Epoch {training.Epoch}/{training.Epochs}";
            int done = training.EpochCompleted is null ? training.Epoch - 1 : training.Epoch;
            yield return new ProgressRecord(id, progress.Trial.Name, status)
            {
                ParentActivityId = SweepId,
                PercentComplete = training.Epochs <= 0 ? -1 : Math.Clamp(done * 100 / training.Epochs, 0, 100),
            };
        }
    }

    /// <summary>The record that closes the bar when the sweep ends, however it ends.</summary>
    public IEnumerable<ProgressRecord> Complete()
    {
        yield return new ProgressRecord(SweepId, "Sweep", "Done") { RecordType = ProgressRecordType.Completed };
    }

    private ProgressRecord Sweep(int done) =>
        new(SweepId, "Sweep", $"{done}/{trials} trials ended{best}") { PercentComplete = Math.Clamp(done * 100 / Math.Max(1, trials), 0, 100) };
}

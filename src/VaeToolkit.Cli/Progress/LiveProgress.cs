using Spectre.Console;
using VaeToolkit.Inference.Batch;
using VaeToolkit.Training;

namespace VaeToolkit.Cli.Progress;

/// <summary>
/// Progress bars on a terminal (Spectre.Console): training's epochs with loss, validation NDCG@100 and the
/// time left; a batch job's users done and users/s; the steps of a job. The lines <see cref="LineProgress"/>
/// prints (an epoch's loss, a log message) are printed above the bars, so the terminal keeps the same record.
/// </summary>
internal sealed class LiveProgress(ProgressContext context, TextWriter lines) : IVerbProgress
{
    public IProgress<TrainingProgress> Training() => new TrainingBar(context, lines);

    public IProgress<BatchScoringProgress> BatchScoring() => new BatchBar(context);

    public IProgress<int> Users(string description, int total) => new UsersBar(context.AddTask(Markup.Escape(description), maxValue: Math.Max(total, 1)));

    public IProgress<string> Log() => new LogSpinner(context, lines);

    public IDisposable Phase(string description)
    {
        var task = context.AddTask(Markup.Escape(description), maxValue: 1);
        task.IsIndeterminate = true;
        return new PhaseEnd(task);
    }

    /// <summary>One bar over all epochs, moved on every batch; its text is the last epoch's loss and validation NDCG@100.</summary>
    private sealed class TrainingBar(ProgressContext context, TextWriter lines) : IProgress<TrainingProgress>
    {
        private ProgressTask? task;
        private string lastEpoch = "";
        private string unit = "epoch";

        public void Report(TrainingProgress value)
        {
            task ??= context.AddTask("training", maxValue: Math.Max(value.Epochs, 1));
            if (value.EpochCompleted is { } epoch)
            {
                lines.WriteLine(EpochLinePrinter.Format(value));
                string validation = epoch.ValidationNdcgAt100 is double ndcg ? $"  NDCG@100 {ndcg:F4}" : "";
                lastEpoch = epoch.Settings is null ? $"  loss {epoch.Loss:F3}{validation}" : validation;
                unit = epoch.Settings is null ? "epoch" : "candidate"; // a closed form trying settings (EASE's λ)
                task.Value = value.Epoch;
            }
            else if (value.Batches > 0)
            {
                task.Value = value.Epoch - 1 + (double)value.Batch / value.Batches;
            }
            task.Description = Markup.Escape($"{unit} {value.Epoch}/{value.Epochs}{lastEpoch}");
        }
    }

    /// <summary>A bar per phase of a batch job (reading, then scoring), with users done and users/s.</summary>
    private sealed class BatchBar(ProgressContext context) : IProgress<BatchScoringProgress>
    {
        private readonly Dictionary<string, ProgressTask> tasks = [];

        public void Report(BatchScoringProgress value)
        {
            if (!tasks.TryGetValue(value.Phase, out var task))
            {
                foreach (var earlier in tasks.Values) earlier.Value = earlier.MaxValue; // a phase ends where the next begins
                tasks[value.Phase] = task = context.AddTask(Markup.Escape(value.Phase), maxValue: 1);
            }
            task.Value = Math.Clamp(value.Fraction, 0, 1);
            task.Description = Markup.Escape(value.Phase == "reading"
                ? "reading"
                : $"scoring: {value.UsersDone:N0} users, {value.UsersPerSecond:N0} users/s");
        }
    }

    private sealed class UsersBar(ProgressTask task) : IProgress<int>
    {
        public void Report(int value) => task.Value = value;
    }

    /// <summary>A spinner whose text is the last message; each message also printed above the bars.</summary>
    private sealed class LogSpinner(ProgressContext context, TextWriter lines) : IProgress<string>
    {
        private ProgressTask? task;

        public void Report(string value)
        {
            lines.WriteLine(value);
            string first = value.Split('\n')[0];
            string description = Markup.Escape(first.Length > 60 ? first[..57] + "..." : first.Length > 0 ? first : "working");
            if (task is null)
            {
                task = context.AddTask(description, maxValue: 1);
                task.IsIndeterminate = true;
            }
            task.Description = description;
        }
    }

    private sealed class PhaseEnd(ProgressTask task) : IDisposable
    {
        public void Dispose()
        {
            task.IsIndeterminate = false;
            task.Value = task.MaxValue;
            task.StopTask();
        }
    }
}

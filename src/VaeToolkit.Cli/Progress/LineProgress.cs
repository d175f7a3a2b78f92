using VaeToolkit.Inference.Batch;
using VaeToolkit.Training;

namespace VaeToolkit.Cli.Progress;

/// <summary>
/// Progress as whole lines on standard error: what a log, a CI job or a pipe reads (standard error is not a
/// terminal). Training prints a line per epoch, batch jobs one a second; steps without a measure print nothing.
/// </summary>
internal sealed class LineProgress(TextWriter error) : IVerbProgress
{
    public IProgress<TrainingProgress> Training() => new EpochLinePrinter(error);

    public IProgress<BatchScoringProgress> BatchScoring() => new BatchLinePrinter(error);

    public IProgress<int> Users(string description, int total) => Silent.Instance; // as before the bars: the result follows

    public IProgress<string> Log() => new Lines(error);

    public IDisposable Phase(string description) => Silent.Instance;

    private sealed class Lines(TextWriter error) : IProgress<string>
    {
        public void Report(string value) => error.WriteLine(value);
    }

    private sealed class Silent : IProgress<int>, IDisposable
    {
        public static readonly Silent Instance = new();

        public void Report(int value)
        {
        }

        public void Dispose()
        {
        }
    }
}

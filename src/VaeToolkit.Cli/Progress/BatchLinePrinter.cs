using System.Diagnostics;
using VaeToolkit.Inference.Batch;

namespace VaeToolkit.Cli.Progress;

/// <summary>Batch progress on standard error, at most once a second, and the last line of each phase always.</summary>
internal sealed class BatchLinePrinter(TextWriter error) : IProgress<BatchScoringProgress>
{
    private readonly Stopwatch sinceLast = Stopwatch.StartNew();
    private string phase = "";

    public void Report(BatchScoringProgress value)
    {
        bool phaseDone = value.Fraction >= 1;
        if (value.Phase == phase && !phaseDone && sinceLast.Elapsed.TotalSeconds < 1) return;
        phase = phaseDone ? "" : value.Phase;
        sinceLast.Restart();
        error.WriteLine(value);
    }
}

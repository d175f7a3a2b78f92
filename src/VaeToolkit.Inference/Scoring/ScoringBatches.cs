using System.Diagnostics;
using VaeToolkit.Data;

namespace VaeToolkit.Inference;

/// <summary>What the scoring benchmarks share: the users to score, cut into batches, and the timing of a pass over them.</summary>
public static class ScoringBatches
{
    /// <summary>The first <paramref name="users"/> rows of <paramref name="known"/>, repeated as needed, cut into batches.</summary>
    public static List<CsrMatrix> Repeated(CsrMatrix known, int users, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(known.RowCount, 1);
        var batches = new List<CsrMatrix>();
        for (int start = 0; start < users; start += batchSize)
        {
            int[] rows = [.. Enumerable.Range(start, Math.Min(batchSize, users - start)).Select(u => u % known.RowCount)];
            batches.Add(known.SelectRows(rows));
        }
        return batches;
    }

    /// <summary>Seconds to score every batch after two warm-up batches, and what the first batch gave.</summary>
    public static (double Seconds, T First) Time<T>(List<CsrMatrix> batches, Func<CsrMatrix, T> score, CancellationToken cancellationToken)
    {
        // Warm-up: first-call allocations and lazy initialisation (ONNX Runtime's arena grows over two calls).
        T first = score(batches[0]);
        score(batches[^1]);
        var watch = Stopwatch.StartNew();
        foreach (var batch in batches)
        {
            cancellationToken.ThrowIfCancellationRequested();
            score(batch);
        }
        return (watch.Elapsed.TotalSeconds, first);
    }
}

using VaeToolkit.Data;
using VaeToolkit.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Models.Ease;

/// <summary>
/// EASE's closed form (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data"), in float64 on the
/// CPU or a CUDA device: the Gram matrix G = XᵀX of the training users' binary histories, P = (G + λI)⁻¹ and
/// B = I − P·diag(1/diag(P)), i.e. B_ij = −P_ij / P_jj with a zero diagonal. A user's scores are x·B, the sum of
/// B's rows of their items.
/// </summary>
public static class EaseSolver
{
    /// <summary>
    /// Dense items × items float64 matrices held at once at the peak of <see cref="Solve"/> while a λ grid is
    /// searched: the Gram matrix, the regularised copy or its Cholesky factor, P (which becomes B), and the best B so far.
    /// </summary>
    public const int MatricesAtPeak = 4;

    /// <summary>Bytes of memory EASE needs at its peak for <paramref name="items"/> items.</summary>
    public static long BytesNeeded(int items) => MatricesAtPeak * (long)items * items * sizeof(double);

    /// <summary>
    /// Co-occurrence counts XᵀX of the first <paramref name="rowCount"/> rows of <paramref name="histories"/>, as a
    /// float64 [items, items] tensor on <paramref name="device"/>. Counted in .NET, block of item rows by block
    /// (each block split between the cores), so that no dense user × item matrix is ever built: the work is
    /// Σ count², not users × items².
    /// </summary>
    public static Tensor Gram(CsrMatrix histories, int rowCount, Device device, CancellationToken cancellationToken = default)
    {
        int items = histories.ColumnCount;
        // Blocks of at most 128 MiB of doubles, so that a block's array and tensor stay small beside the matrix.
        int blockRows = (int)Math.Clamp((1L << 24) / Math.Max(items, 1), 1, items);
        var gram = zeros([items, items], ScalarType.Float64, device);
        for (int first = 0; first < items; first += blockRows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int rows = Math.Min(blockRows, items - first);
            var counts = new double[(long)rows * items];
            int workers = Math.Max(1, Math.Min(Environment.ProcessorCount, rows));
            int blockFirst = first;
            System.Threading.Tasks.Parallel.For(0, workers, worker =>
            {
                // Each worker owns a slice of the block's rows: no two write the same count.
                int low = blockFirst + (int)((long)rows * worker / workers);
                int high = blockFirst + (int)((long)rows * (worker + 1) / workers);
                for (int user = 0; user < rowCount; user++)
                {
                    var row = histories.Row(user);
                    foreach (int i in row)
                    {
                        if (i < low || i >= high) continue;
                        long offset = (long)(i - blockFirst) * items;
                        foreach (int j in row) counts[offset + j] += 1;
                    }
                }
            });
            using var block = tensor(counts, [rows, items], ScalarType.Float64);
            gram.narrow(0, first, rows).copy_(block);
        }
        return gram;
    }

    /// <summary>B for <paramref name="lambda"/> from the Gram matrix (left as it is), on the Gram matrix's device.</summary>
    public static Tensor Solve(Tensor gram, double lambda)
    {
        using var noGrad = no_grad();
        Tensor factor;
        using (var regularized = gram.clone())
        {
            regularized.diagonal().add_(lambda);
            var (cholesky, info) = linalg.cholesky_ex(regularized);
            using (info)
            {
                if (info.item<int>() != 0)
                {
                    cholesky.Dispose();
                    throw new InvalidOperationException($"EASE: XᵀX + {lambda}·I is not positive definite (the Cholesky factorisation failed at column {info.item<int>()}): λ must be above 0 when some item has no training user");
                }
            }
            factor = cholesky;
        }
        Tensor p;
        using (factor) p = cholesky_inverse(factor);
        using var columnScale = p.diagonal().neg().clone();
        p.div_(columnScale.unsqueeze(0));
        p.diagonal().zero_();
        return p;
    }

    /// <summary>
    /// Solves B for each of <paramref name="lambdas"/> in turn, scores it on <paramref name="validation"/> (NDCG@100;
    /// 0 when no validation user has targets) and keeps the best, which the caller then owns; the others are freed as
    /// soon as they lose. <paramref name="tried"/> hears of each λ: its index, NDCG@100, and seconds to solve and to score.
    /// </summary>
    public static (Tensor Best, int BestIndex, double BestNdcg) SelectLambda(Tensor gram, IReadOnlyList<double> lambdas, HeldOutUsers validation,
        int batchSize, Action<int, double, double, double>? tried = null, CancellationToken cancellationToken = default)
    {
        if (lambdas.Count == 0) throw new ArgumentException("no λ to try", nameof(lambdas));
        Tensor? best = null;
        int bestIndex = 0;
        double bestNdcg = double.NegativeInfinity;
        try
        {
            for (int i = 0; i < lambdas.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var watch = System.Diagnostics.Stopwatch.StartNew();
                var b = Solve(gram, lambdas[i]);
                double solveSeconds = watch.Elapsed.TotalSeconds;
                watch.Restart();
                double ndcg = validation.Count == 0 ? 0 : Score(b, validation.FoldIn, validation.Targets, batchSize, cancellationToken).NdcgAt100;
                if (double.IsNaN(ndcg)) ndcg = 0; // no validation user has targets
                if (best is null || ndcg > bestNdcg)
                {
                    best?.Dispose();
                    (best, bestIndex, bestNdcg) = (b, i, ndcg);
                }
                else
                {
                    b.Dispose();
                }
                tried?.Invoke(i, ndcg, solveSeconds, watch.Elapsed.TotalSeconds);
            }
        }
        catch
        {
            best?.Dispose();
            throw;
        }
        return (best!, bestIndex, bestNdcg); // at least one λ was tried
    }

    /// <summary>
    /// Ranks the held-out users' targets with B (the fold-in items left out), batch by batch on B's device, and
    /// returns NDCG@100, Recall@20 and Recall@50 (and <paramref name="metrics"/>, by default those three) as the evaluator computes them.
    /// </summary>
    public static RankingMetricsAccumulator Score(Tensor b, CsrMatrix foldIn, CsrMatrix targets, int batchSize = 500, CancellationToken cancellationToken = default,
        IReadOnlyList<RankingMetric>? metrics = null)
    {
        using var noGrad = no_grad();
        int items = (int)b.shape[0];
        int depth = Math.Min(RankingMetricsAccumulator.Depth, items);
        var accumulator = new RankingMetricsAccumulator(metrics ?? RankingMetric.Defaults, items);
        // The sum of B's rows of each user's items, as an embedding bag over B: never a dense history.
        using var rowsOfB = nn.EmbeddingBag_from_pretrained(b, freeze: true, mode: EmbeddingBagMode.Sum);
        for (int start = 0; start < foldIn.RowCount; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            int count = Math.Min(batchSize, foldIn.RowCount - start);
            long first = foldIn.RowOffsets[start];
            long[] offsets = [.. foldIn.RowOffsets.AsSpan(start, count).ToArray().Select(offset => offset - first)];
            long[] indices = [.. foldIn.Indices.AsSpan((int)first, (int)(foldIn.RowOffsets[start + count] - first)).ToArray().Select(i => (long)i)];
            var indexTensor = tensor(indices, ScalarType.Int64, b.device);
            var scores = rowsOfB.call(indexTensor, tensor(offsets, ScalarType.Int64, b.device));
            if (indices.Length > 0)
            {
                // The fold-in items are not recommended: their scores become -inf.
                long[] userOfEntry = new long[indices.Length];
                for (int u = 0; u < count; u++)
                    for (long e = foldIn.RowOffsets[start + u] - first; e < foldIn.RowOffsets[start + u + 1] - first; e++) userOfEntry[e] = u;
                scores.index_put_(double.NegativeInfinity, tensor(userOfEntry, ScalarType.Int64, b.device), indexTensor);
            }
            var (values, indexes) = scores.topk(depth, dim: 1);
            long[] top = indexes.cpu().data<long>().ToArray();
            double[] topScores = values.cpu().data<double>().ToArray();
            var ranked = new int[depth];
            for (int u = 0; u < count; u++)
            {
                // Fold-in items (-inf) rank last: a list that reaches them ends before them.
                int length = 0;
                while (length < depth && !double.IsNegativeInfinity(topScores[(long)u * depth + length]))
                {
                    ranked[length] = (int)top[(long)u * depth + length];
                    length++;
                }
                accumulator.Add(ranked.AsSpan(0, length), targets.Row(start + u));
            }
        }
        return accumulator;
    }
}

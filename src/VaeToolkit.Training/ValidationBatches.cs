using TorchSharp;
using VaeToolkit.Data;
using VaeToolkit.Metrics;
using VaeToolkit.Training.Model;
using static TorchSharp.torch;

namespace VaeToolkit.Training;

/// <summary>
/// Held-out users as batches that stay on the device for the whole run: each batch's fold-in histories
/// and its targets as sorted keys row × items + item. NDCG@100 (as <see cref="RankingMetrics.NdcgAtK"/>
/// defines it) is then computed on the device too, so a validation builds nothing, copies nothing and
/// reads one number back at its end instead of waiting for each batch's top items.
/// </summary>
internal sealed class ValidationBatches : IDisposable
{
    private readonly List<Batch> _batches = [];
    private readonly Tensor _discounts; // float64 [depth]: 1 / log2(rank + 2)
    private readonly int _depth;
    private readonly int _items;

    /// <summary>The users that have targets, in batches of at most <paramref name="batchSize"/>, on <paramref name="device"/>.</summary>
    public ValidationBatches(HeldOutUsers users, int batchSize, int items, Device device)
    {
        // The batches live as long as this object, not as a dispose scope of the caller: they are built in
        // a scope of their own and detached from it.
        using var scope = NewDisposeScope();
        Users = users;
        BatchSize = batchSize;
        _items = items;
        _depth = Math.Min(RankingMetricsAccumulator.Depth, items);
        _discounts = arange(_depth, ScalarType.Float64, device).add_(2).log2_().reciprocal_();
        using var idealDcg = _discounts.cumsum(0); // [r]: the DCG of a list whose first r + 1 items hit

        var withTargets = Enumerable.Range(0, users.Count).Where(u => users.Targets.RowLength(u) > 0).ToArray();
        UsersWithTargets = withTargets.Length;
        for (int start = 0; start < withTargets.Length; start += batchSize)
        {
            int[] rows = withTargets[start..Math.Min(start + batchSize, withTargets.Length)];
            var keys = new List<long>();
            var idealPositions = new long[rows.Length];
            for (int b = 0; b < rows.Length; b++)
            {
                foreach (int item in users.Targets.Row(rows[b])) keys.Add((long)b * items + item);
                idealPositions[b] = Math.Min(_depth, users.Targets.RowLength(rows[b])) - 1;
            }
            using var positions = tensor(idealPositions, device: device);
            var history = HistoryBatch.Create(users.FoldIn, rows, device);
            _batches.Add(new Batch(history, tensor(keys.ToArray(), device: device), idealDcg.index_select(0, positions)));
        }
        scope.Detach(_batches.SelectMany(batch => batch.Tensors).Append(_discounts));
    }

    /// <summary>The users these batches were built from.</summary>
    public HeldOutUsers Users { get; }

    public int BatchSize { get; }

    /// <summary>Users with at least one target: those NDCG averages over.</summary>
    public int UsersWithTargets { get; }

    /// <summary>
    /// Mean NDCG@100 of <paramref name="model"/> over the users with targets, their fold-in items excluded
    /// from the ranking; NaN when no user has targets. Marks "forward", "top-k" and "metrics" per batch.
    /// </summary>
    public double NdcgAt100(MultVae model, PhaseTimer phases) =>
        NdcgAt100(history => model.call(history.ItemIndices, history.BagOffsets, history.NormWeights), phases);

    /// <summary>
    /// The same for any model: <paramref name="scores"/> gives a batch's Float32 scores [users × items], a
    /// fresh tensor (the fold-in entries are overwritten in place), higher is better.
    /// </summary>
    public double NdcgAt100(Func<HistoryBatch, Tensor> scores, PhaseTimer phases)
    {
        if (UsersWithTargets == 0) return double.NaN;
        using var sum = zeros(1, ScalarType.Float64, _discounts.device);
        foreach (var (history, targetKeys, idealDcg) in _batches)
        {
            using var scope = NewDisposeScope();
            Tensor logits = scores(history);
            logits.view(-1).index_fill_(0, history.PositivePositions, float.NegativeInfinity);
            phases.Mark("forward");
            Tensor ranked = logits.topk(_depth).indexes; // int64 [users, depth], best first
            phases.Mark("top-k");
            // A ranked item hits when its key row × items + item is among the row's targets.
            // Explicit Scalars held for the calls (see HistoryBatch.Upload: implicit ones can be finalized mid-call).
            using var items = ((long)_items).ToScalar();
            using var one = 1L.ToScalar();
            using var lastKey = (targetKeys.shape[0] - 1).ToScalar();
            Tensor keys = ranked.add_(arange(history.Users, ScalarType.Int64, ranked.device).mul_(items).unsqueeze(1), one);
            Tensor found = searchsorted(targetKeys, keys).clamp_max_(lastKey);
            Tensor hits = targetKeys.index_select(0, found.view(-1)).view_as(keys).eq(keys).to(ScalarType.Float64);
            sum.add_(hits.matmul(_discounts).div_(idealDcg).sum());
            phases.Mark("metrics");
        }
        return sum.item<double>() / UsersWithTargets;
    }

    public void Dispose()
    {
        foreach (var tensor in _batches.SelectMany(batch => batch.Tensors)) tensor.Dispose();
        _discounts.Dispose();
    }

    /// <summary>A batch's fold-in histories, its targets' sorted keys, and each user's ideal DCG.</summary>
    private sealed record Batch(HistoryBatch History, Tensor TargetKeys, Tensor IdealDcg)
    {
        public IEnumerable<Tensor> Tensors => History.Tensors.Append(TargetKeys).Append(IdealDcg);
    }
}

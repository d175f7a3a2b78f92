using VaeToolkit.Data;
using VaeToolkit.Training.Model;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Fitting;

/// <summary>
/// Validation NDCG@100 with the held-out users' <see cref="ValidationBatches"/> built once and kept on the
/// device for the next validation (rebuilt only for other users or another batch size), timed by phase.
/// </summary>
internal sealed class ValidationCache(Device device) : IDisposable
{
    private readonly PhaseTimer _phases = new(device);
    private ValidationBatches? _batches; // the last users validated

    /// <summary>
    /// NDCG@100 of <paramref name="scores"/> (a batch's Float32 scores [users × items]) on <paramref name="users"/>,
    /// without gradients, with its time by phase: batch (when the batches are built), forward, top-k, metrics.
    /// The caller puts its model in eval mode.
    /// </summary>
    public (double Ndcg, IReadOnlyDictionary<string, double> PhaseSeconds) NdcgAt100(HeldOutUsers users, int batchSize, int items, Func<HistoryBatch, Tensor> scores)
    {
        using var noGrad = no_grad();
        _phases.Start();
        if (_batches is not { } cached || !ReferenceEquals(cached.Users, users) || cached.BatchSize != batchSize)
        {
            _batches?.Dispose();
            _batches = null; // a failed build leaves nothing half-made behind
            _batches = new ValidationBatches(users, batchSize, items, device);
            _phases.Mark("batch");
        }
        double ndcg = _batches.NdcgAt100(scores, _phases);
        return (ndcg, _phases.Stop());
    }

    public void Dispose()
    {
        _phases.Dispose();
        _batches?.Dispose();
    }
}

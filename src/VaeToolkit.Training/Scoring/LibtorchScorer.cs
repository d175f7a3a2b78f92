using TorchSharp;
using VaeToolkit.Data;
using VaeToolkit.Training.Export;
using VaeToolkit.Training.Model;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Scoring;

/// <summary>
/// The exported weights scored with libtorch, the baselines the ONNX Runtime engine is measured against.
/// Both run the encoder's mean, the decoder, the user's own items set to -inf, then top-k; they differ
/// in the item layer:
/// <list type="bullet">
/// <item><see cref="ItemLayer.Dense"/>: the naive way, a dense multi-hot input [users, items],
/// L2-normalised, times the item weights;</item>
/// <item><see cref="ItemLayer.Sparse"/>: the trainer's validation path, an embedding bag over the
/// history (<see cref="HistoryBatch"/>) with 1/sqrt(count) per entry.</item>
/// </list>
/// The weights live on the device given (the CPU unless told); results are read back to the host, which
/// on CUDA waits for the device, so a call's time is its whole work.
/// </summary>
public sealed class LibtorchScorer : IDisposable
{
    public enum ItemLayer { Dense, Sparse }

    private readonly List<(Tensor Weight, Tensor Bias)> _encoder;
    private readonly List<(Tensor Weight, Tensor Bias)> _decoder;
    private readonly TorchSharp.Modules.EmbeddingBag _bag; // the first encoder layer's weights, as the trainer holds them
    private readonly bool _isVae;
    private readonly int _items;
    private readonly Device _device;

    public LibtorchScorer(ExportedWeights weights, Device? device = null)
    {
        _items = weights.ItemCount;
        _isVae = weights.IsVae;
        _device = device ?? CPU;
        _encoder = [.. weights.Encoder.Select(ToTensors)];
        _decoder = [.. weights.Decoder.Select(ToTensors)];
        _bag = nn.EmbeddingBag(_items, weights.Encoder[0].Outputs, mode: EmbeddingBagMode.Sum, device: _device);
        using var noGrad = no_grad();
        _bag.weight!.copy_(_encoder[0].Weight);
    }

    /// <summary>Each user's top <paramref name="k"/> items and scores, best first, users × k row-major.</summary>
    public (long[] Items, float[] Scores) Recommend(CsrMatrix histories, int k, ItemLayer itemLayer)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (h, exclude) = itemLayer == ItemLayer.Dense ? DenseItemLayer(histories) : SparseItemLayer(histories);
        for (int i = 1; i < _encoder.Count; i++)
            h = h.tanh().mm(_encoder[i].Weight) + _encoder[i].Bias;
        if (!_isVae) h = h.tanh(); // the DAE's code goes through tanh; the VAE's mean does not
        for (int i = 0; i < _decoder.Count; i++)
            h = (i == 0 ? h : h.tanh()).mm(_decoder[i].Weight) + _decoder[i].Bias;
        var (scores, items) = exclude(h).topk(Math.Min(k, _items), dim: 1);
        return (items.cpu().data<long>().ToArray(), scores.cpu().data<float>().ToArray());
    }

    /// <summary>The first layer's output from a dense multi-hot input, and the mask that excludes the history.</summary>
    private (Tensor Hidden, Func<Tensor, Tensor> Exclude) DenseItemLayer(CsrMatrix histories)
    {
        var rows = new long[histories.NonZeroCount];
        for (int u = 0; u < histories.RowCount; u++)
            rows.AsSpan((int)histories.RowOffsets[u], histories.RowLength(u)).Fill(u);
        Tensor input = zeros(histories.RowCount, _items, device: _device);
        input.index_put_(ones(rows.Length, device: _device), tensor(rows, device: _device), tensor(histories.Indices.Select(i => (long)i).ToArray(), device: _device));
        Tensor seen = input.gt(0);
        Tensor normalised = input / input.sum(1, keepdim: true).clamp_min(1).sqrt();
        return (normalised.mm(_encoder[0].Weight) + _encoder[0].Bias, logits => logits.masked_fill(seen, float.NegativeInfinity));
    }

    /// <summary>The first layer's output as the trainer validates: an embedding bag; the history excluded by flat position.</summary>
    private (Tensor Hidden, Func<Tensor, Tensor> Exclude) SparseItemLayer(CsrMatrix histories)
    {
        var batch = HistoryBatch.Create(histories, [.. Enumerable.Range(0, histories.RowCount)], _device);
        Tensor bag = _bag.call(batch.ItemIndices, batch.BagOffsets, batch.NormWeights);
        return (bag + _encoder[0].Bias, logits => logits.view(-1).index_fill_(0, batch.PositivePositions, float.NegativeInfinity).view(logits.shape));
    }

    private (Tensor, Tensor) ToTensors(DenseLayer layer) =>
        (tensor(layer.Weight, [layer.Inputs, layer.Outputs], device: _device), tensor(layer.Bias, device: _device));

    public void Dispose()
    {
        _bag.Dispose();
        foreach (var (weight, bias) in _encoder.Concat(_decoder))
        {
            weight.Dispose();
            bias.Dispose();
        }
    }
}

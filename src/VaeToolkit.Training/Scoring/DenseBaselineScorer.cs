using TorchSharp;
using VaeToolkit.Data;
using VaeToolkit.Training.Export;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Scoring;

/// <summary>
/// The naive way to score with the exported weights, the baseline the ONNX Runtime engine is measured
/// against: a dense multi-hot input [users, items], L2-normalised, through the encoder's mean and the
/// decoder with libtorch's dense products, the user's own items set to -inf, then top-k.
/// </summary>
internal sealed class DenseBaselineScorer : IDisposable
{
    private readonly List<(Tensor Weight, Tensor Bias)> _encoder;
    private readonly List<(Tensor Weight, Tensor Bias)> _decoder;
    private readonly bool _isVae;
    private readonly int _items;

    public DenseBaselineScorer(ExportedWeights weights)
    {
        _items = weights.ItemCount;
        _isVae = weights.IsVae;
        _encoder = [.. weights.Encoder.Select(ToTensors)];
        _decoder = [.. weights.Decoder.Select(ToTensors)];
    }

    /// <summary>Each user's top <paramref name="k"/> items and scores, best first, users × k row-major.</summary>
    public (long[] Items, float[] Scores) Recommend(CsrMatrix histories, int k)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int users = histories.RowCount;
        var rows = new long[histories.NonZeroCount];
        for (int u = 0; u < users; u++)
            rows.AsSpan((int)histories.RowOffsets[u], histories.RowLength(u)).Fill(u);
        Tensor input = zeros(users, _items);
        input.index_put_(ones(rows.Length), tensor(rows), tensor(histories.Indices.Select(i => (long)i).ToArray()));
        Tensor seen = input.gt(0);
        Tensor h = input / input.sum(1, keepdim: true).clamp_min(1).sqrt();
        for (int i = 0; i < _encoder.Count; i++)
            h = (i == 0 ? h : h.tanh()).mm(_encoder[i].Weight) + _encoder[i].Bias;
        if (!_isVae) h = h.tanh(); // the DAE's code goes through tanh; the VAE's mean does not
        for (int i = 0; i < _decoder.Count; i++)
            h = (i == 0 ? h : h.tanh()).mm(_decoder[i].Weight) + _decoder[i].Bias;
        var (scores, items) = h.masked_fill(seen, float.NegativeInfinity).topk(Math.Min(k, _items), dim: 1);
        return (items.data<long>().ToArray(), scores.data<float>().ToArray());
    }

    private static (Tensor, Tensor) ToTensors(Model.DenseLayer layer) =>
        (tensor(layer.Weight, [layer.Inputs, layer.Outputs]), tensor(layer.Bias));

    public void Dispose()
    {
        foreach (var (weight, bias) in _encoder.Concat(_decoder))
        {
            weight.Dispose();
            bias.Dispose();
        }
    }
}

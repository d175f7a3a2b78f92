using TorchSharp.Modules;
using VaeToolkit.Data;
using VaeToolkit.Training.Models.RecVae;
using static TorchSharp.torch;

namespace VaeToolkit.Tests.Training.RecVae;

/// <summary>
/// An independent dense reimplementation of the authors' model.py forward pass, in Float64 with plain
/// torch ops: a dense [users × items] x, LayerNorm written out, swish as x·sigmoid(x). It reads the
/// parameters of a <see cref="RecVaeEncoder"/> / <see cref="RecVaeNetwork"/> as Float64 leaves so that
/// gradients can be compared too.
/// </summary>
internal sealed class DenseEncoderReference
{
    public DenseEncoderReference(RecVaeEncoder encoder)
    {
        Eps = encoder.LayerNormEps;
        W1 = Leaf(encoder.ItemWeight); // [items × hidden]
        B1 = Leaf(encoder.ItemBias);
        Hidden = [.. encoder.HiddenLayers.Select(l => (Leaf(l.weight), Leaf(l.bias!)))];
        Norms = [.. encoder.Norms.Select(n => (Leaf(n.weight!), Leaf(n.bias!)))];
        Mu = (Leaf(encoder.MeanLayer.weight), Leaf(encoder.MeanLayer.bias!));
        LogVar = (Leaf(encoder.LogVarianceLayer.weight), Leaf(encoder.LogVarianceLayer.bias!));
    }

    public double Eps { get; }
    public Tensor W1 { get; }
    public Tensor B1 { get; }
    public (Tensor W, Tensor B)[] Hidden { get; }
    public (Tensor G, Tensor B)[] Norms { get; }
    public (Tensor W, Tensor B) Mu { get; }
    public (Tensor W, Tensor B) LogVar { get; }

    public static Tensor Leaf(Tensor parameter) => parameter.detach().to(ScalarType.Float64).clone().requires_grad_(true);

    private static Tensor Swish(Tensor x) => x * (1.0 / (1.0 + (-x).exp()));

    private Tensor LayerNorm(Tensor h, int k)
    {
        Tensor mean = h.mean([1], keepdim: true);
        Tensor variance = (h - mean).square().mean([1], keepdim: true); // biased, as nn.LayerNorm
        return (h - mean) / (variance + Eps).sqrt() * Norms[k].G + Norms[k].B;
    }

    private static Tensor Linear(Tensor x, (Tensor W, Tensor B) layer) => x.matmul(layer.W.t()) + layer.B;

    /// <summary>model.py Encoder.forward on an already normalised, dropped-out dense input.</summary>
    public (Tensor Mu, Tensor LogVar) Forward(Tensor input)
    {
        var h = new List<Tensor> { LayerNorm(Swish(input.matmul(W1) + B1), 0) };
        for (int k = 0; k < 4; k++)
        {
            Tensor pre = Linear(h[k], Hidden[k]);
            foreach (var previous in h) pre = pre + previous;
            h.Add(LayerNorm(Swish(pre), k + 1));
        }
        return (Linear(h[4], Mu), Linear(h[4], LogVar));
    }

    /// <summary>The binary rows of <paramref name="rows"/> as a dense Float64 matrix.</summary>
    public static Tensor DenseRows(CsrMatrix matrix, int[] rows)
    {
        var x = zeros(rows.Length, matrix.ColumnCount, ScalarType.Float64);
        for (int b = 0; b < rows.Length; b++)
            foreach (int item in matrix.Row(rows[b])) x[b, item] = 1.0;
        return x;
    }

    /// <summary>x / ‖x‖ per row (rows of zeros stay zero).</summary>
    public static Tensor Normalise(Tensor x) => x / x.square().sum([1], keepdim: true).sqrt().clamp_min(1e-30);

    public static double[] Values(Tensor t) => t.detach().to(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
}

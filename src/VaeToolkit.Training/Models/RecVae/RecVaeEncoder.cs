using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Models.RecVae;

/// <summary>
/// RecVAE's encoder (model.py <c>Encoder</c>): the L2-normalised, dropped-out history through five dense
/// layers with swish activations, LayerNorm (eps 0.1) and dense connections, then the latent mean and
/// log-variance:
/// <code>
/// h1 = ln1(swish(fc1(x)))
/// h2 = ln2(swish(fc2(h1) + h1))
/// h3 = ln3(swish(fc3(h2) + h1 + h2))
/// h4 = ln4(swish(fc4(h3) + h1 + h2 + h3))
/// h5 = ln5(swish(fc5(h4) + h1 + h2 + h3 + h4))
/// return fc_mu(h5), fc_logvar(h5)
/// </code>
/// fc1 reads the history sparsely, as <c>MultVae</c>'s item layer does: an embedding bag over the rows of
/// its weight ([items × hidden], the transpose of <c>nn.Linear(input_dim, hidden_dim).weight</c>) with one
/// weight per history entry, 1/sqrt(count) × dropout mask / keep, which is x/‖x‖ followed by
/// <c>F.dropout</c> on a binary row; its bias is a separate parameter.
/// </summary>
public sealed class RecVaeEncoder : nn.Module<Tensor, Tensor, Tensor, (Tensor Mean, Tensor LogVariance)>
{
    private readonly EmbeddingBag fc1;
    private readonly Parameter fc1_bias;
    private readonly Linear fc2, fc3, fc4, fc5;
    private readonly LayerNorm ln1, ln2, ln3, ln4, ln5;
    private readonly Linear fc_mu, fc_logvar;

    public RecVaeEncoder(int itemCount, int hiddenDim = 600, int latentDim = 200, double layerNormEps = 0.1) : base(nameof(RecVaeEncoder))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(itemCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hiddenDim, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(latentDim, 1);
        ItemCount = itemCount;
        HiddenDim = hiddenDim;
        LatentDim = latentDim;
        LayerNormEps = layerNormEps;
        fc1 = nn.EmbeddingBag(itemCount, hiddenDim, mode: EmbeddingBagMode.Sum);
        fc1_bias = new Parameter(zeros(hiddenDim));
        fc2 = nn.Linear(hiddenDim, hiddenDim);
        fc3 = nn.Linear(hiddenDim, hiddenDim);
        fc4 = nn.Linear(hiddenDim, hiddenDim);
        fc5 = nn.Linear(hiddenDim, hiddenDim);
        ln1 = nn.LayerNorm(hiddenDim, layerNormEps);
        ln2 = nn.LayerNorm(hiddenDim, layerNormEps);
        ln3 = nn.LayerNorm(hiddenDim, layerNormEps);
        ln4 = nn.LayerNorm(hiddenDim, layerNormEps);
        ln5 = nn.LayerNorm(hiddenDim, layerNormEps);
        fc_mu = nn.Linear(hiddenDim, latentDim);
        fc_logvar = nn.Linear(hiddenDim, latentDim);
        RegisterComponents();
        ResetItemLayer();
    }

    public int ItemCount { get; }

    public int HiddenDim { get; }

    public int LatentDim { get; }

    public double LayerNormEps { get; }

    /// <summary>
    /// The type the dense products (fc2..fc5, fc_mu, fc_logvar) compute in. The item layer, the residual
    /// sums, swish and LayerNorm stay in Float32 (as under PyTorch autocast, which runs layer_norm in
    /// Float32), and the mean and log-variance come back in Float32.
    /// </summary>
    public ScalarType ComputeType { get; set; } = ScalarType.Float32;

    /// <summary>fc1's weight as [items × hidden] (row i: item i's column of the authors' <c>fc1.weight</c>).</summary>
    internal Tensor ItemWeight => fc1.weight!;

    internal Tensor ItemBias => fc1_bias;

    /// <summary>fc2..fc5, in order.</summary>
    internal IReadOnlyList<Linear> HiddenLayers => [fc2, fc3, fc4, fc5];

    /// <summary>ln1..ln5, in order.</summary>
    internal IReadOnlyList<LayerNorm> Norms => [ln1, ln2, ln3, ln4, ln5];

    internal Linear MeanLayer => fc_mu;

    internal Linear LogVarianceLayer => fc_logvar;

    /// <summary>
    /// The latent mean and log-variance, Float32 [users × latent]. <paramref name="entryWeights"/> holds one
    /// weight per history entry: 1/sqrt(count), times mask / keep when dropping out.
    /// </summary>
    public override (Tensor Mean, Tensor LogVariance) forward(Tensor itemIndices, Tensor bagOffsets, Tensor entryWeights)
    {
        Tensor h = Block(ln1, fc1.call(itemIndices, bagOffsets, entryWeights) + fc1_bias);
        Tensor sum = h; // h1 + ... + h(k-1): the dense connections
        Linear[] layers = [fc2, fc3, fc4, fc5];
        LayerNorm[] norms = [ln2, ln3, ln4, ln5];
        for (int k = 0; k < layers.Length; k++)
        {
            h = Block(norms[k], Dense(layers[k], h).to(ScalarType.Float32) + sum);
            if (k < layers.Length - 1) sum = sum + h;
        }
        return (Dense(fc_mu, h).to(ScalarType.Float32), Dense(fc_logvar, h).to(ScalarType.Float32));
    }

    /// <summary>ln(swish(pre)) in Float32; swish(x) = x·sigmoid(x) is SiLU.</summary>
    private static Tensor Block(LayerNorm norm, Tensor pre) => norm.call(nn.functional.silu(pre));

    private Tensor Dense(Linear layer, Tensor input) =>
        ComputeType == ScalarType.Float32
            ? layer.call(input)
            : nn.functional.linear(input.to(ComputeType), layer.weight.to(ComputeType), layer.bias!.to(ComputeType));

    /// <summary>
    /// fc1 as PyTorch initialises <c>nn.Linear(input_dim, hidden_dim)</c>: weight and bias uniform in
    /// ±1/sqrt(items) (kaiming_uniform with a = √5; the embedding bag's own default would be N(0, 1)).
    /// The other layers keep TorchSharp's defaults, which are PyTorch's.
    /// </summary>
    private void ResetItemLayer()
    {
        using var noGrad = no_grad();
        double bound = 1 / Math.Sqrt(ItemCount);
        nn.init.uniform_(fc1.weight!, -bound, bound);
        nn.init.uniform_(fc1_bias, -bound, bound);
    }

    /// <summary>Copies every parameter and buffer of <paramref name="source"/> (same shapes) into this encoder.</summary>
    public void CopyFrom(RecVaeEncoder source)
    {
        using var noGrad = no_grad();
        var from = source.state_dict();
        foreach (var (name, value) in state_dict())
            value.copy_(from[name]);
        ComputeType = source.ComputeType;
    }
}

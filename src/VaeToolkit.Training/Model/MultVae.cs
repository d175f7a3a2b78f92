using TorchSharp;
using TorchSharp.Modules;
using VaeToolkit.Configuration;
using VaeToolkit.Training.Kernels;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Model;

/// <summary>
/// Mult-VAE (or Mult-DAE) of Liang et al. 2018. The first encoder layer reads each user's item indices
/// directly (an embedding bag over the rows of the item weight matrix, weighted by 1/sqrt(count), which
/// is the L2-normalised multi-hot input), so no dense [batch × items] input is ever built.
/// <c>forward</c> gives the item logits at inference: the latent mean, no dropout, no sampling.
/// </summary>
public sealed class MultVae : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly EmbeddingBag item_layer;
    private readonly Parameter item_bias;
    private readonly ModuleList<Linear> encoder;
    private readonly ModuleList<Linear> decoder;

    public MultVae(int itemCount, ModelConfig config) : base(nameof(MultVae))
    {
        ItemCount = itemCount;
        IsVae = config.IsVae;
        LatentDim = config.EncoderDims[^1];
        EncoderDims = config.EncoderDims.ToArray();

        // Widths: items -> e1 -> ... -> latent (2 × latent for a VAE: mean and log-variance).
        int[] widths = [itemCount, .. config.EncoderDims];
        int OutputWidth(int layer) => IsVae && layer == widths.Length - 1 ? 2 * widths[layer] : widths[layer];

        item_layer = nn.EmbeddingBag(itemCount, OutputWidth(1), mode: EmbeddingBagMode.Sum);
        item_bias = new Parameter(zeros(OutputWidth(1)));
        encoder = new ModuleList<Linear>();
        for (int layer = 2; layer < widths.Length; layer++)
            encoder.Add(nn.Linear(widths[layer - 1], OutputWidth(layer)));
        decoder = new ModuleList<Linear>();
        for (int layer = widths.Length - 1; layer > 0; layer--)
            decoder.Add(nn.Linear(widths[layer], widths[layer - 1]));
        RegisterComponents();
        ResetParameters();
    }

    public int ItemCount { get; }

    public int LatentDim { get; }

    public bool IsVae { get; }

    public IReadOnlyList<int> EncoderDims { get; }

    /// <summary>
    /// The type the dense layers compute in: Float32, or BFloat16/Float16 for mixed precision. The
    /// parameters stay Float32 (the master weights); the latent statistics come back as Float32 and the
    /// loss takes the log-softmax of the logits in Float32, so the KL term and the likelihood are
    /// computed in full precision.
    /// </summary>
    public ScalarType ComputeType { get; set; } = ScalarType.Float32;

    /// <summary>
    /// When set, the item layer runs as <see cref="SparseItemLayer"/> on these kernels instead of
    /// libtorch's embedding bag (the trainer sets it on CUDA devices; the weights are the same).
    /// </summary>
    internal IFusedKernels? FusedKernels { get; set; }

    /// <summary>
    /// Columns of <see cref="DecodePadded"/>'s logits: the items rounded up so that a row is a multiple
    /// of 16 bytes in <see cref="ComputeType"/>. The matrix units run the output layer's products at
    /// full speed only then: measured on an H200 at 20,108 items (not a multiple of 8), bf16 ran them
    /// 3× slower.
    /// </summary>
    public int PaddedItemCount
    {
        get
        {
            int multiple = 16 / (ComputeType == ScalarType.Float32 ? 4 : 2);
            return (ItemCount + multiple - 1) / multiple * multiple;
        }
    }

    /// <summary>Parameters of the dense layers (all but the item layer): the ones cast to <see cref="ComputeType"/>.</summary>
    public long DenseParameterCount => encoder.Concat(decoder).SelectMany(layer => layer.parameters()).Sum(p => p.numel());

    /// <summary>The weight matrices (not biases), the ones the L2 penalty applies to.</summary>
    public IEnumerable<Tensor> WeightMatrices =>
        new Tensor[] { item_layer.weight! }.Concat(encoder.Select(l => (Tensor)l.weight)).Concat(decoder.Select(l => (Tensor)l.weight));

    /// <summary>Float32 logits from the latent mean (inference), a contiguous [users × items] tensor.</summary>
    public override Tensor forward(Tensor itemIndices, Tensor bagOffsets, Tensor entryWeights) =>
        Decode(Encode(itemIndices, bagOffsets, entryWeights).Mean).to(ScalarType.Float32).contiguous();

    /// <summary>
    /// The latent mean and, for a VAE, the log-variance. <paramref name="entryWeights"/> holds one
    /// weight per history entry: 1/sqrt(count), times the dropout mask while training.
    /// </summary>
    public (Tensor Mean, Tensor? LogVariance) Encode(Tensor itemIndices, Tensor bagOffsets, Tensor entryWeights)
    {
        // The item layer is a gather-and-sum over the history: it stays in Float32.
        Tensor product = FusedKernels is { } kernels
            ? SparseItemLayer.Product(kernels, item_layer.weight!, itemIndices, bagOffsets, entryWeights)
            : item_layer.call(itemIndices, bagOffsets, entryWeights);
        Tensor hidden = product + item_bias;
        foreach (var layer in encoder)
            hidden = Dense(layer, hidden.tanh());
        hidden = hidden.to(ScalarType.Float32);
        if (!IsVae)
            return (hidden.tanh(), null);
        return (hidden[.., ..LatentDim], hidden[.., LatentDim..]);
    }

    /// <summary>
    /// The item logits in <see cref="ComputeType"/>: the training loss takes its log-softmax in Float32
    /// straight from them (for fp16 libtorch fuses that cast into the softmax kernel).
    /// </summary>
    public Tensor Decode(Tensor latent)
    {
        Tensor logits = DecodePadded(latent);
        return PaddedItemCount == ItemCount ? logits : logits[.., ..ItemCount];
    }

    /// <summary>
    /// The item logits as the output layer computes them: [users × <see cref="PaddedItemCount"/>], in
    /// <see cref="ComputeType"/>, contiguous; the padding columns are logits of no item.
    /// </summary>
    public Tensor DecodePadded(Tensor latent)
    {
        Tensor hidden = latent;
        for (int i = 0; i < decoder.Count - 1; i++)
            hidden = Dense(decoder[i], hidden).tanh();
        var layer = decoder[^1];
        int padding = PaddedItemCount - ItemCount;
        if (padding == 0) return Dense(layer, hidden);
        Tensor weight = nn.functional.pad(layer.weight.to(ComputeType), [0, 0, 0, padding]);
        Tensor bias = nn.functional.pad(layer.bias!.to(ComputeType), [0, padding]);
        return nn.functional.linear(hidden.to(ComputeType), weight, bias);
    }

    /// <summary>x · Wᵀ + b in <see cref="ComputeType"/>; the casts of the Float32 weights are differentiable.</summary>
    private Tensor Dense(Linear layer, Tensor input) =>
        ComputeType == ScalarType.Float32
            ? layer.call(input)
            : nn.functional.linear(input.to(ComputeType), layer.weight.to(ComputeType), layer.bias!.to(ComputeType));

    /// <summary>Glorot-uniform weights and N(0, 0.001) biases, as in the reference implementation.</summary>
    public void ResetParameters()
    {
        using var noGrad = no_grad();
        foreach (var weight in WeightMatrices)
            nn.init.xavier_uniform_(weight);
        nn.init.normal_(item_bias, 0, 0.001);
        foreach (var layer in encoder.Concat(decoder))
            nn.init.normal_(layer.bias!, 0, 0.001);
    }

    /// <summary>A copy of the parameters as plain arrays, in the layout the ONNX exporter expects.</summary>
    public MultVaeWeights ToWeights()
    {
        var encoderLayers = new List<DenseLayer> { Dense(item_layer.weight!, item_bias, transposed: false) };
        encoderLayers.AddRange(encoder.Select(l => Dense(l.weight, l.bias!, transposed: true)));
        var decoderLayers = decoder.Select(l => Dense(l.weight, l.bias!, transposed: true)).ToList();
        return new MultVaeWeights(IsVae ? "vae" : "dae", ItemCount, LatentDim, encoderLayers, decoderLayers);
    }

    // Linear stores [out, in]; DenseLayer wants [in, out]. The embedding bag is already [items, out].
    private static DenseLayer Dense(Tensor weight, Tensor bias, bool transposed)
    {
        using var scope = NewDisposeScope();
        Tensor inputsByOutputs = (transposed ? weight.t() : weight).detach().contiguous().cpu().to(ScalarType.Float32);
        return new DenseLayer(
            (int)inputsByOutputs.shape[0],
            (int)inputsByOutputs.shape[1],
            inputsByOutputs.data<float>().ToArray(),
            bias.detach().cpu().to(ScalarType.Float32).data<float>().ToArray());
    }
}

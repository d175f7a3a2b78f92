using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Models.RecVae;

/// <summary>
/// RecVAE (Shenbin et al., WSDM 2020) as model.py's <c>VAE</c> builds it: the <see cref="RecVaeEncoder"/>
/// and a single linear decoder <c>nn.Linear(latent_dim, input_dim)</c>. No dense [users × items] input
/// is built: the encoder reads item indices with per-entry weights, like <c>MultVae</c>.
/// <c>forward</c> is inference (model.py in eval mode: <c>reparameterize</c> returns μ): the item logits
/// of Decode(μ), Float32 [users × items].
/// The composite prior (with its frozen old encoder) is not a submodule here, unlike model.py's
/// <c>VAE.prior</c>: it is a <see cref="CompositePrior"/> of its own, so that this module's parameters are
/// exactly the trainable ones and the inference network.
/// </summary>
public sealed class RecVaeNetwork : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly RecVaeEncoder encoder;
    private readonly Linear decoder;

    public RecVaeNetwork(int itemCount, int hiddenDim = 600, int latentDim = 200, double layerNormEps = 0.1) : base(nameof(RecVaeNetwork))
    {
        encoder = new RecVaeEncoder(itemCount, hiddenDim, latentDim, layerNormEps);
        decoder = nn.Linear(latentDim, itemCount);
        RegisterComponents();
    }

    /// <summary>The network of <paramref name="settings"/>' widths.</summary>
    public RecVaeNetwork(int itemCount, RecVaeSettings settings)
        : this(itemCount, settings.HiddenDim, settings.LatentDim, settings.LayerNormEps)
    {
    }

    public int ItemCount => encoder.ItemCount;

    public int HiddenDim => encoder.HiddenDim;

    public int LatentDim => encoder.LatentDim;

    public double LayerNormEps => encoder.LayerNormEps;

    /// <summary>
    /// The type the dense products compute in: Float32, or BFloat16/Float16 for mixed precision (the
    /// parameters stay Float32). The item layer, LayerNorm and swish run in Float32, μ and log σ² come back
    /// in Float32, and <see cref="Decode"/>'s logits are in this type (the loss takes their log-softmax in Float32).
    /// </summary>
    public ScalarType ComputeType
    {
        get => encoder.ComputeType;
        set => encoder.ComputeType = value;
    }

    /// <summary>The encoder (model.py <c>VAE.encoder</c>).</summary>
    public RecVaeEncoder Encoder => encoder;

    /// <summary>The decoder (model.py <c>VAE.decoder</c>), weight [items × latent].</summary>
    public Linear Decoder => decoder;

    /// <summary>The encoder's parameters: the ones the encoder optimizer updates (run.py <c>encoder_params</c>).</summary>
    public IEnumerable<Parameter> EncoderParameters => encoder.parameters();

    /// <summary>The decoder's weight and bias: the ones the decoder optimizer updates (run.py <c>decoder_params</c>).</summary>
    public IEnumerable<Parameter> DecoderParameters => decoder.parameters();

    /// <summary>Float32 logits from the latent mean (inference), a contiguous [users × items] tensor.</summary>
    public override Tensor forward(Tensor itemIndices, Tensor bagOffsets, Tensor entryWeights) =>
        Decode(Encode(itemIndices, bagOffsets, entryWeights).Mean).to(ScalarType.Float32).contiguous();

    /// <summary>
    /// μ and log σ², Float32 [users × latent]. <paramref name="entryWeights"/>: one weight per history
    /// entry, 1/sqrt(count) (HistoryBatch.NormWeights), times the dropout mask / keep while training.
    /// </summary>
    public (Tensor Mean, Tensor LogVariance) Encode(Tensor itemIndices, Tensor bagOffsets, Tensor entryWeights) =>
        encoder.call(itemIndices, bagOffsets, entryWeights);

    /// <summary>The item logits [users × items] in <see cref="ComputeType"/>: z·Wᵀ + b.</summary>
    public Tensor Decode(Tensor latent) =>
        ComputeType == ScalarType.Float32
            ? decoder.call(latent)
            : nn.functional.linear(latent.to(ComputeType), decoder.weight.to(ComputeType), decoder.bias!.to(ComputeType));

    /// <summary>
    /// A frozen copy of the encoder (no parameter requires a gradient), on the encoder's device: model.py's
    /// <c>CompositePrior.encoder_old</c> after <c>update_prior</c>.
    /// </summary>
    public RecVaeEncoder CopyEncoder()
    {
        var copy = new RecVaeEncoder(ItemCount, HiddenDim, LatentDim, LayerNormEps);
        copy.to(encoder.ItemWeight.device);
        copy.CopyFrom(encoder);
        foreach (var parameter in copy.parameters()) parameter.requires_grad = false;
        return copy;
    }
}

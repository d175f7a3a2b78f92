namespace VaeToolkit.Training.Model;

/// <summary>
/// The trained parameters of a Mult-VAE or Mult-DAE, as plain arrays.
/// <list type="bullet">
/// <item>Encoder[0] is the item layer [items, h1] applied to the L2-normalised history (sum of the
/// rows of the user's items divided by the square root of their count); tanh follows every encoder
/// layer except the last.</item>
/// <item>For a VAE the last encoder layer has 2 × latent outputs: the mean, then the log-variance.
/// For a DAE it has latent outputs, followed by tanh.</item>
/// <item>The decoder maps the latent vector (the mean at inference) back to item logits, tanh
/// between layers, none after the last.</item>
/// </list>
/// </summary>
public sealed record MultVaeWeights(string ModelType, int ItemCount, int LatentDim, IReadOnlyList<DenseLayer> Encoder, IReadOnlyList<DenseLayer> Decoder)
{
    public bool IsVae => ModelType == "vae";
}

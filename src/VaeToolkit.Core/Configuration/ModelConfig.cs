namespace VaeToolkit.Configuration;

/// <summary>The network: Mult-VAE or Mult-DAE with an encoder of the given widths and a mirrored decoder.</summary>
public sealed record ModelConfig
{
    /// <summary><c>vae</c> (Mult-VAE) or <c>dae</c> (Mult-DAE: no KL term, no sampling).</summary>
    public string Type { get; init; } = "vae";

    /// <summary>Encoder widths after the item layer; the last one is the latent size. [600, 200] gives [items, 600, 200].</summary>
    public IReadOnlyList<int> EncoderDims { get; init; } = [600, 200];

    /// <summary>Dropout on the normalised input while training.</summary>
    public double Dropout { get; init; } = 0.5;

    public bool IsVae => Type == "vae";

    public bool Equals(ModelConfig? other) =>
        other is not null && Type == other.Type && Dropout == other.Dropout && EncoderDims.SequenceEqual(other.EncoderDims);

    public override int GetHashCode() => HashCode.Combine(Type, Dropout, EncoderDims.Count);
}

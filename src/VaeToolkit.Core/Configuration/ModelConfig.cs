namespace VaeToolkit.Configuration;

/// <summary>
/// The model: its type (<see cref="ModelTypes"/>), the Mult-VAE/DAE network's widths and dropout, and each
/// other type's own section (read only for that type).
/// </summary>
public sealed record ModelConfig
{
    /// <summary>One of <see cref="ModelTypes.All"/>: <c>vae</c> (Mult-VAE, the default), <c>dae</c>, <c>ease</c>, <c>recvae</c>.</summary>
    public string Type { get; init; } = ModelTypes.Vae;

    /// <summary>Encoder widths after the item layer; the last one is the latent size. [600, 200] gives [items, 600, 200]. RecVAE: exactly [hidden, latent].</summary>
    public IReadOnlyList<int> EncoderDims { get; init; } = [600, 200];

    /// <summary>Dropout on the normalised input while training.</summary>
    public double Dropout { get; init; } = 0.5;

    /// <summary><c>model.ease</c>: EASE's λ, when <see cref="Type"/> is <c>ease</c>.</summary>
    public EaseConfig Ease { get; init; } = new();

    /// <summary><c>model.recvae</c>: RecVAE's settings, when <see cref="Type"/> is <c>recvae</c>.</summary>
    public RecVaeConfig RecVae { get; init; } = new();

    public bool IsVae => Type == ModelTypes.Vae;

    public bool Equals(ModelConfig? other) =>
        other is not null && Type == other.Type && Dropout == other.Dropout && EncoderDims.SequenceEqual(other.EncoderDims) && Ease.Equals(other.Ease) && RecVae.Equals(other.RecVae);

    public override int GetHashCode() => HashCode.Combine(Type, Dropout, EncoderDims.Count);
}

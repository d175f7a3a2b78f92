namespace VaeToolkit.Configuration;

/// <summary>
/// The model: its type, the network's widths and dropout (shared by the types that have them), and the settings
/// of the type's own section <c>model.&lt;type&gt;</c>, defined in its model's folder.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>A type of the engine's model registry: <c>vae</c> (Mult-VAE, the default), <c>dae</c>, <c>ease</c>, <c>recvae</c>.</summary>
    public string Type { get; init; } = ModelTypes.Vae;

    /// <summary>Encoder widths after the item layer; the last one is the latent size. [600, 200] gives [items, 600, 200]. RecVAE: exactly [hidden, latent].</summary>
    public IReadOnlyList<int> EncoderDims { get; init; } = [600, 200];

    /// <summary>Dropout on the normalised input while training.</summary>
    public double Dropout { get; init; } = 0.5;

    /// <summary>
    /// <c>model.&lt;type&gt;</c>: the settings of <see cref="Type"/>'s own section as its reader read them; null for a type
    /// without one, or a config built in code without them (its model then takes its defaults).
    /// </summary>
    public ModelTypeConfig? Settings { get; init; }

    public bool IsVae => Type == ModelTypes.Vae;

    public bool Equals(ModelConfig? other) =>
        other is not null && Type == other.Type && Dropout == other.Dropout && EncoderDims.SequenceEqual(other.EncoderDims) && Equals(Settings, other.Settings);

    public override int GetHashCode() => HashCode.Combine(Type, Dropout, EncoderDims.Count);
}

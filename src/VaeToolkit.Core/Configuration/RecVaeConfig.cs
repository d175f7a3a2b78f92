namespace VaeToolkit.Configuration;

/// <summary>
/// <c>model.recvae</c>: RecVAE's own settings (Shenbin et al., WSDM 2020, with the defaults of the authors'
/// run.py and README). Its widths are <c>model.encoder_dims</c> ([hidden, latent], exactly two entries), its
/// input dropout <c>model.dropout</c>, and its learning rate, batch size and epochs come from <c>training</c>.
/// </summary>
public sealed record RecVaeConfig
{
    /// <summary>The paper's mixture of the composite prior: standard normal, previous posterior, wide Gaussian.</summary>
    public static readonly IReadOnlyList<double> DefaultMixtureWeights = [3.0 / 20, 3.0 / 4, 1.0 / 10];

    /// <summary>KL weight per item of a user's history (β_u = γ·|x_u|); null or 0 uses <see cref="Beta"/>.</summary>
    public double? Gamma { get; init; } = 0.005;

    /// <summary>A fixed KL weight, used only when <see cref="Gamma"/> is null or 0.</summary>
    public double? Beta { get; init; }

    /// <summary>Passes over the training users that update the encoder, per epoch (run.py's n_enc_epochs).</summary>
    public int EncoderEpochs { get; init; } = 3;

    /// <summary>Passes that update the decoder, per epoch (run.py's n_dec_epochs).</summary>
    public int DecoderEpochs { get; init; } = 1;

    /// <summary>The composite prior's weights: standard normal, previous posterior, wide Gaussian; three, positive, summing to 1.</summary>
    public IReadOnlyList<double> MixtureWeights { get; init; } = DefaultMixtureWeights;

    public bool Equals(RecVaeConfig? other) =>
        other is not null && Gamma == other.Gamma && Beta == other.Beta && EncoderEpochs == other.EncoderEpochs
        && DecoderEpochs == other.DecoderEpochs && MixtureWeights.SequenceEqual(other.MixtureWeights);

    public override int GetHashCode() => HashCode.Combine(Gamma, Beta, EncoderEpochs, DecoderEpochs, MixtureWeights.Count);
}

using VaeToolkit.Configuration;

namespace VaeToolkit.Training.Models.RecVae;

/// <summary>
/// <c>model.recvae</c>: RecVAE's own settings (Shenbin et al., WSDM 2020, with the defaults of the authors'
/// run.py and README). Its widths are <c>model.encoder_dims</c> ([hidden, latent], exactly two entries), its
/// input dropout <c>model.dropout</c>, and its learning rate, batch size and epochs come from <c>training</c>
/// (<see cref="RecVaeTrainer.SettingsOf"/> gathers them).
/// </summary>
public sealed record RecVaeConfig : ModelTypeConfig
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

    /// <summary>The RecVAE settings of <paramref name="config"/>: its <c>model.recvae</c>, or the defaults for a config built in code without them.</summary>
    public static RecVaeConfig Of(VaeConfig config) => config.Model.Settings as RecVaeConfig ?? new();

    /// <summary>Reads <c>model.recvae</c> (the registry's reader of the section).</summary>
    public static RecVaeConfig Read(YamlSection section)
    {
        var d = new RecVaeConfig();
        var recVae = new RecVaeConfig
        {
            Gamma = section.OptionalDouble("gamma", d.Gamma, min: 0, max: 1e6),
            Beta = section.OptionalDouble("beta", d.Beta, min: 0, max: 1e6),
            EncoderEpochs = section.Int("encoder_epochs", d.EncoderEpochs, min: 0, max: 1000),
            DecoderEpochs = section.Int("decoder_epochs", d.DecoderEpochs, min: 0, max: 1000),
            MixtureWeights = section.DoubleList("mixture_weights", d.MixtureWeights, min: 0, max: 1, maxCount: 3),
        };
        section.RejectUnknownKeys();
        if (recVae.Gamma is null or 0 && recVae.Beta is null)
            throw section.ErrorAt("gamma", ConfigErrorCodes.OutOfRange,
                "'model.recvae' needs 'gamma' (a KL weight per history item) or, with gamma null or 0, 'beta' (a fixed KL weight)");
        if (recVae.EncoderEpochs + recVae.DecoderEpochs == 0)
            throw section.ErrorAt("encoder_epochs", ConfigErrorCodes.OutOfRange,
                "'model.recvae.encoder_epochs' and 'decoder_epochs' cannot both be 0: an epoch would train nothing");
        if (recVae.MixtureWeights.Count != 3 || recVae.MixtureWeights.Any(w => !(w > 0)) || Math.Abs(recVae.MixtureWeights.Sum() - 1) > 1e-6)
            throw section.ErrorAt("mixture_weights", ConfigErrorCodes.OutOfRange,
                $"'model.recvae.mixture_weights' must be three positive weights summing to 1 (standard normal, previous posterior, wide Gaussian), not [{string.Join(", ", recVae.MixtureWeights)}]");
        return recVae;
    }

    /// <summary>RecVAE's rules across sections: widths [hidden, latent], and no int8 export.</summary>
    public static void Check(VaeConfig config, YamlSection root)
    {
        if (config.Model.EncoderDims.Count != 2)
            throw root.Section("model").ErrorAt("encoder_dims", ConfigErrorCodes.OutOfRange,
                $"'model.encoder_dims' must be exactly [hidden, latent] for RecVAE (its encoder has five dense layers of one width), not {config.Model.EncoderDims.Count} entries");
        if (config.Export.Precision == ExportPrecisions.Int8)
            throw root.Section("export").ErrorAt("precision", ConfigErrorCodes.OutOfRange,
                "'export.precision: int8' is not supported for RecVAE (its output layer reads the unbounded latent mean): use fp32, fp16 or bf16");
    }

    public override IEnumerable<KeyValuePair<string, string>> ToYaml() =>
    [
        new("gamma", YamlValues.Number(Gamma)),
        new("beta", YamlValues.Number(Beta)),
        new("encoder_epochs", EncoderEpochs.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("decoder_epochs", DecoderEpochs.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("mixture_weights", YamlValues.List(MixtureWeights)),
    ];

    public bool Equals(RecVaeConfig? other) =>
        other is not null && Gamma == other.Gamma && Beta == other.Beta && EncoderEpochs == other.EncoderEpochs
        && DecoderEpochs == other.DecoderEpochs && MixtureWeights.SequenceEqual(other.MixtureWeights);

    public override int GetHashCode() => HashCode.Combine(Gamma, Beta, EncoderEpochs, DecoderEpochs, MixtureWeights.Count);
}

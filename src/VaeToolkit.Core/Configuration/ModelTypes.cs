namespace VaeToolkit.Configuration;

/// <summary>
/// The names of the built-in models that layers other than the engine refer to (the default type, the EASE
/// baseline, what the scoring benchmark compares). The types a config may choose are those of the engine's
/// registry (<c>VaeToolkit.Training.Models.ModelRegistry</c>), which a new model joins without a name here.
/// </summary>
public static class ModelTypes
{
    /// <summary>Mult-VAE (Liang et al. 2018): a variational autoencoder with a multinomial likelihood.</summary>
    public const string Vae = "vae";

    /// <summary>Mult-DAE (Liang et al. 2018): the same network as a denoising autoencoder, no KL term, no sampling.</summary>
    public const string Dae = "dae";

    /// <summary>EASE (Steck 2019): a closed-form item-item linear model with a zero diagonal.</summary>
    public const string Ease = "ease";

    /// <summary>RecVAE (Shenbin et al. 2020): Mult-VAE with a composite prior, a deeper encoder and alternating updates.</summary>
    public const string RecVae = "recvae";
}

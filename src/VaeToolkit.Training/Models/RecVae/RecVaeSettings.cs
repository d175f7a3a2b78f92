namespace VaeToolkit.Training.Models.RecVae;

/// <summary>
/// The settings of RecVAE (Shenbin et al., WSDM 2020) with the defaults of the authors' code
/// (github.com/ilya-shenbin/RecVAE, branch master: <c>run.py</c>'s argparse defaults and <c>model.py</c>'s
/// constructor defaults) and, where <c>run.py</c> has no default, the values of the README's command that
/// reproduces the paper's MovieLens-20M result: <c>python run.py --dataset &lt;dir&gt; --n-epochs 50 --gamma 0.005</c>.
/// </summary>
public sealed record RecVaeSettings
{
    /// <summary>Width of the five dense encoder layers. run.py: <c>--hidden-dim</c>, default 600.</summary>
    public int HiddenDim { get; init; } = 600;

    /// <summary>Latent dimension. run.py: <c>--latent-dim</c>, default 200.</summary>
    public int LatentDim { get; init; } = 200;

    /// <summary>
    /// KL weight per item of the user's history: β_u = γ·|x_u| (model.py <c>VAE.forward</c>:
    /// <c>kl_weight = gamma * user_ratings.sum(dim=-1)</c>). run.py's <c>--gamma</c> defaults to None;
    /// 0.005 is the README's reproduction command (and the paper's γ). Null or 0 switches to <see cref="Beta"/>.
    /// </summary>
    public double? Gamma { get; init; } = 0.005;

    /// <summary>
    /// A fixed KL weight, used only when <see cref="Gamma"/> is null or 0 (model.py: <c>elif beta:</c>).
    /// run.py: <c>--beta</c>, default None. (model.py fails when neither is set; so does
    /// <see cref="RecVaeObjective.KlWeights"/>. Unlike model.py, an explicit β = 0 is accepted and turns the KL term off.)
    /// </summary>
    public double? Beta { get; init; }

    /// <summary>Adam's learning rate, the same for both optimizers. run.py: <c>--lr</c>, default 5e-4.</summary>
    public double LearningRate { get; init; } = 5e-4;

    /// <summary>Adam's β1 and β2: run.py calls <c>optim.Adam(params, lr=args.lr)</c>, so PyTorch's defaults.</summary>
    public double AdamBeta1 { get; init; } = 0.9;

    /// <inheritdoc cref="AdamBeta1"/>
    public double AdamBeta2 { get; init; } = 0.999;

    /// <summary>Users per batch. run.py: <c>--batch-size</c>, default 500.</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>
    /// Outer epochs (each: <see cref="EncoderEpochs"/> encoder passes, then <see cref="DecoderEpochs"/> decoder
    /// passes). run.py's <c>--n-epochs</c> defaults to None; 50 is the README's reproduction command.
    /// </summary>
    public int Epochs { get; init; } = 50;

    /// <summary>Passes over the data that update the encoder, per epoch. run.py: <c>--n-enc_epochs</c>, default 3.</summary>
    public int EncoderEpochs { get; init; } = 3;

    /// <summary>Passes over the data that update the decoder, per epoch. run.py: <c>--n-dec_epochs</c>, default 1.</summary>
    public int DecoderEpochs { get; init; } = 1;

    /// <summary>
    /// Input dropout in the encoder passes. run.py: <c>run(opts=[optimizer_encoder], ..., dropout_rate=0.5)</c>
    /// (also model.py's <c>VAE.forward</c> default).
    /// </summary>
    public double Dropout { get; init; } = 0.5;

    /// <summary>Input dropout in the decoder passes. run.py: <c>run(opts=[optimizer_decoder], ..., dropout_rate=0)</c>.</summary>
    public double DecoderDropout { get; init; } = 0;

    /// <summary>
    /// Weights of the composite prior's components, in the order standard normal, previous posterior
    /// (the old encoder), wide Gaussian. model.py: <c>CompositePrior.__init__(..., mixture_weights=[3/20, 3/4, 1/10])</c>;
    /// the paper's notebook (branch wsdm) writes the same as 1/5 − 1/20, 4/5 − 1/20 and 1/10.
    /// </summary>
    public IReadOnlyList<double> MixtureWeights { get; init; } = [3.0 / 20, 3.0 / 4, 1.0 / 10];

    /// <summary>Log-variance of the prior's wide ("uniform") component. model.py: <c>self.logvar_uniform_prior.data.fill_(10)</c>.</summary>
    public double WideLogVariance { get; init; } = 10;

    /// <summary>
    /// Epsilon of the encoder's LayerNorms. model.py: <c>Encoder.__init__(..., eps=1e-1)</c> passed to every
    /// <c>nn.LayerNorm(hidden_dim, eps=eps)</c>. (The paper-time notebook on branch wsdm used PyTorch's default 1e-5.)
    /// </summary>
    public double LayerNormEps { get; init; } = 0.1;

    /// <summary>Checks the ranges; throws <see cref="ArgumentOutOfRangeException"/> or <see cref="ArgumentException"/>.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(HiddenDim, 1, nameof(HiddenDim));
        ArgumentOutOfRangeException.ThrowIfLessThan(LatentDim, 1, nameof(LatentDim));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(Epochs, 0, nameof(Epochs));
        ArgumentOutOfRangeException.ThrowIfLessThan(EncoderEpochs, 0, nameof(EncoderEpochs));
        ArgumentOutOfRangeException.ThrowIfLessThan(DecoderEpochs, 0, nameof(DecoderEpochs));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(LearningRate, nameof(LearningRate));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(LayerNormEps, nameof(LayerNormEps));
        if (Dropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, "must be in [0, 1)");
        if (DecoderDropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(DecoderDropout), DecoderDropout, "must be in [0, 1)");
        if (Gamma is < 0) throw new ArgumentOutOfRangeException(nameof(Gamma), Gamma, "must not be negative");
        if (Beta is < 0) throw new ArgumentOutOfRangeException(nameof(Beta), Beta, "must not be negative");
        if (Gamma is null or 0 && Beta is null)
            throw new ArgumentException("set gamma (a KL weight per history item) or beta (a fixed KL weight)", nameof(Gamma));
        CompositePrior.CheckMixtureWeights(MixtureWeights);
    }
}

using TorchSharp;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Models.RecVae;

/// <summary>
/// RecVAE's composite prior (model.py <c>CompositePrior</c>): per latent dimension, the mixture
/// <code>
/// p(z | x) = w0·N(z; 0, 1) + w1·N(z; μ_old(x), σ²_old(x)) + w2·N(z; 0, e^10)
/// </code>
/// with weights [3/20, 3/4, 1/10], where μ_old, σ²_old are the previous epoch's posterior: a frozen copy
/// of the encoder (<c>encoder_old</c>) run on the same history without dropout (<c>self.encoder_old(x, 0)</c>).
/// The log-density is <c>torch.logsumexp(stack([log N_k(z) + log w_k]), dim=-1)</c>, per user and dimension.
/// </summary>
public sealed class CompositePrior : nn.Module
{
    private readonly RecVaeEncoder encoder_old;
    private readonly double[] _logWeights;

    /// <summary>
    /// A prior whose old encoder is a freshly initialised encoder of its own, not a copy of the network's:
    /// as in model.py, where <c>CompositePrior.__init__</c> builds <c>Encoder(...)</c> and run.py first
    /// calls <c>update_prior</c> after the first epoch's encoder passes. Call <see cref="UpdateFrom"/> to copy.
    /// </summary>
    public CompositePrior(int itemCount, int hiddenDim = 600, int latentDim = 200, IReadOnlyList<double>? mixtureWeights = null,
        double wideLogVariance = 10, double layerNormEps = 0.1) : base(nameof(CompositePrior))
    {
        MixtureWeights = [.. mixtureWeights ?? [3.0 / 20, 3.0 / 4, 1.0 / 10]];
        CheckMixtureWeights(MixtureWeights);
        _logWeights = [.. MixtureWeights.Select(w => Math.Log(w))];
        WideLogVariance = wideLogVariance;
        encoder_old = new RecVaeEncoder(itemCount, hiddenDim, latentDim, layerNormEps);
        foreach (var parameter in encoder_old.parameters()) parameter.requires_grad = false;
        RegisterComponents();
    }

    /// <summary>A prior for <paramref name="network"/> with <paramref name="settings"/>' mixture, on the network's device.</summary>
    public static CompositePrior For(RecVaeNetwork network, RecVaeSettings settings)
    {
        var prior = new CompositePrior(network.ItemCount, network.HiddenDim, network.LatentDim, settings.MixtureWeights,
            settings.WideLogVariance, network.LayerNormEps);
        prior.to(network.Encoder.ItemWeight.device);
        return prior;
    }

    /// <summary>Weights of the standard normal, the old posterior and the wide Gaussian, in that order.</summary>
    public IReadOnlyList<double> MixtureWeights { get; }

    /// <summary>Log-variance of the wide component (model.py <c>logvar_uniform_prior</c>, 10).</summary>
    public double WideLogVariance { get; }

    /// <summary>The frozen encoder of the previous posterior.</summary>
    public RecVaeEncoder OldEncoder => encoder_old;

    /// <summary>
    /// Copies the network's current encoder into the old encoder (model.py <c>VAE.update_prior</c>:
    /// <c>self.prior.encoder_old.load_state_dict(deepcopy(self.encoder.state_dict()))</c>).
    /// </summary>
    public void UpdateFrom(RecVaeNetwork network) => encoder_old.CopyFrom(network.Encoder);

    /// <summary>
    /// log p(z | x), Float32 [users × latent] (model.py <c>CompositePrior.forward(x, z)</c>).
    /// <paramref name="normWeights"/> must be the undropped 1/sqrt(count) per entry (HistoryBatch.NormWeights):
    /// the old encoder reads the history without dropout. No gradient flows into the old encoder; one
    /// flows into <paramref name="z"/>.
    /// </summary>
    public Tensor LogDensity(Tensor itemIndices, Tensor bagOffsets, Tensor normWeights, Tensor z)
    {
        Tensor oldMean, oldLogVariance;
        using (no_grad())
            (oldMean, oldLogVariance) = encoder_old.call(itemIndices, bagOffsets, normWeights);
        return LogDensity(z, oldMean, oldLogVariance);
    }

    /// <summary>The mixture's log-density at <paramref name="z"/> given the old posterior's μ and log σ² (all [users × latent]).</summary>
    public Tensor LogDensity(Tensor z, Tensor oldMean, Tensor oldLogVariance)
    {
        using var scope = NewDisposeScope();
        Tensor standard = RecVaeObjective.LogNormalDensity(z, 0, 0) + _logWeights[0];
        Tensor posterior = RecVaeObjective.LogNormalDensity(z, oldMean, oldLogVariance) + _logWeights[1];
        Tensor wide = RecVaeObjective.LogNormalDensity(z, 0, WideLogVariance) + _logWeights[2];
        return stack([standard, posterior, wide], dim: -1).logsumexp(-1).MoveToOuterDisposeScope();
    }

    internal static void CheckMixtureWeights(IReadOnlyList<double> weights)
    {
        if (weights.Count != 3 || weights.Any(w => !(w > 0)))
            throw new ArgumentException("the composite prior takes three positive weights: standard normal, previous posterior, wide Gaussian", nameof(weights));
        if (Math.Abs(weights.Sum() - 1) > 1e-6)
            throw new ArgumentException($"the mixture weights must sum to 1, not {weights.Sum()}", nameof(weights));
    }
}

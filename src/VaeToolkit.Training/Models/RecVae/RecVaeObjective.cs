using TorchSharp;
using VaeToolkit.Training.Model;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Models.RecVae;

/// <summary>The terms of one batch's RecVAE objective: each a Float32 scalar, averaged over the batch's users.</summary>
/// <param name="MarginalLogLikelihood">mll: mean over users of Σ_{i∈u} log_softmax(logits_u)_i.</param>
/// <param name="KlDivergence">kld: mean over users of β_u · Σ_d (log q(z_d|x) − log p(z_d|x)).</param>
/// <param name="NegativeElbo">−(mll − kld): the loss.</param>
public readonly record struct RecVaeLoss(Tensor MarginalLogLikelihood, Tensor KlDivergence, Tensor NegativeElbo);

/// <summary>
/// RecVAE's training objective as model.py's <c>VAE.forward</c> computes it:
/// <code>
/// mll = (F.log_softmax(x_pred, dim=-1) * user_ratings).sum(dim=-1).mean()
/// kld = (log_norm_pdf(z, mu, logvar) - self.prior(user_ratings, z)).sum(dim=-1).mul(kl_weight).mean()
/// negative_elbo = -(mll - kld)
/// </code>
/// with z = μ + ε·exp(½ log σ²) (the model is in training mode in every pass, the decoder's too) and
/// kl_weight = γ·|x_u| when γ is set, else β. The likelihood is gathered at the positives
/// (<see cref="HistoryBatch.PositivePositions"/>), as in MultVaeObjective: no dense x is built.
/// </summary>
public static class RecVaeObjective
{
    private static readonly double LogTwoPi = Math.Log(2 * Math.PI);

    /// <summary>log N(x; μ, e^logvar) elementwise: model.py <c>log_norm_pdf</c>, −½(logvar + log 2π + (x − μ)²/e^logvar).</summary>
    public static Tensor LogNormalDensity(Tensor x, Tensor mean, Tensor logVariance) =>
        -0.5 * (logVariance + LogTwoPi + (x - mean).square() / logVariance.exp());

    /// <summary><see cref="LogNormalDensity(Tensor, Tensor, Tensor)"/> with a constant mean and log-variance.</summary>
    public static Tensor LogNormalDensity(Tensor x, double mean, double logVariance) =>
        -0.5 * (logVariance + LogTwoPi + (mean == 0 ? x.square() : (x - mean).square()) / Math.Exp(logVariance));

    /// <summary>
    /// mll: Σ_u Σ_{i∈u} log_softmax(logits_u)_i / users, the log-softmax in Float32 whatever the logits' type.
    /// (model.py multiplies by the binary row and sums: the same as gathering the positives.)
    /// </summary>
    public static Tensor MarginalLogLikelihood(Tensor logits, HistoryBatch batch) =>
        logits.log_softmax(1, ScalarType.Float32).take(batch.PositivePositions).sum() / batch.Users;

    /// <summary>
    /// The KL weight of each user, Float32 [users]: γ·count when <paramref name="gamma"/> is set and not 0
    /// (model.py <c>if gamma: kl_weight = gamma * user_ratings.sum(dim=-1)</c>), else <paramref name="beta"/>
    /// (<c>elif beta: kl_weight = beta</c>).
    /// </summary>
    public static Tensor KlWeights(HistoryBatch batch, double? gamma, double? beta)
    {
        if (gamma is double g && g != 0) return batch.Counts * g;
        if (beta is double b) return full_like(batch.Counts, b);
        throw new ArgumentException("set gamma (a KL weight per history item) or beta (a fixed KL weight)", nameof(gamma));
    }

    /// <summary>
    /// kld: the one-sample estimate mean_u β_u · Σ_d (log N(z; μ, σ²) − log p(z)), from the sample
    /// <paramref name="z"/>, the posterior's <paramref name="mean"/> and <paramref name="logVariance"/>, the
    /// prior's log-density <paramref name="logPrior"/> (all [users × latent]) and the weights [users].
    /// </summary>
    public static Tensor KlDivergence(Tensor z, Tensor mean, Tensor logVariance, Tensor logPrior, Tensor klWeights)
    {
        using var scope = NewDisposeScope();
        return ((LogNormalDensity(z, mean, logVariance) - logPrior).sum(1) * klWeights).mean().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The entry weights the encoder reads while training: <paramref name="normWeights"/> (1/sqrt(count))
    /// times a Bernoulli(keep) mask / keep, which is <c>F.dropout(x / ‖x‖, p)</c> on a binary row's entries;
    /// <paramref name="normWeights"/> itself when <paramref name="dropout"/> is 0.
    /// </summary>
    public static Tensor DropoutWeights(Tensor normWeights, double dropout, Generator? generator)
    {
        if (dropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "must be in [0, 1)");
        if (dropout == 0) return normWeights.alias();
        double keep = 1 - dropout;
        using var mask = full_like(normWeights, keep).bernoulli(generator);
        return normWeights * mask / keep;
    }

    /// <summary>
    /// The objective of one batch with explicit randomness: the encoder reads <paramref name="entryWeights"/>
    /// (already dropped out), z = μ + <paramref name="noise"/>·exp(½ log σ²), the prior reads the undropped
    /// history. Deterministic, for tests and for callers that draw their own noise.
    /// </summary>
    public static RecVaeLoss Evaluate(RecVaeNetwork network, CompositePrior prior, HistoryBatch batch, Tensor entryWeights, Tensor noise, Tensor klWeights)
    {
        using var scope = NewDisposeScope();
        var (mean, logVariance) = network.Encode(batch.ItemIndices, batch.BagOffsets, entryWeights);
        Tensor z = mean + noise * (0.5 * logVariance).exp();
        Tensor logits = network.Decode(z);
        Tensor mll = MarginalLogLikelihood(logits, batch);
        Tensor logPrior = prior.LogDensity(batch.ItemIndices, batch.BagOffsets, batch.NormWeights, z);
        Tensor kld = KlDivergence(z, mean, logVariance, logPrior, klWeights);
        Tensor negativeElbo = -(mll - kld);
        return new RecVaeLoss(mll.MoveToOuterDisposeScope(), kld.MoveToOuterDisposeScope(), negativeElbo.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The objective of one batch as a training pass computes it: input dropout at rate
    /// <paramref name="dropout"/> and the latent noise drawn from <paramref name="generator"/> (null: the
    /// device's default generator), KL weights from <paramref name="gamma"/>/<paramref name="beta"/>.
    /// </summary>
    public static RecVaeLoss Evaluate(RecVaeNetwork network, CompositePrior prior, HistoryBatch batch, double dropout,
        Generator? generator, double? gamma, double? beta)
    {
        using var scope = NewDisposeScope();
        Tensor entryWeights = DropoutWeights(batch.NormWeights, dropout, generator);
        Tensor klWeights = KlWeights(batch, gamma, beta);
        Tensor noise = randn([batch.Users, network.LatentDim], device: batch.NormWeights.device, generator: generator);
        var loss = Evaluate(network, prior, batch, entryWeights, noise, klWeights);
        return new RecVaeLoss(loss.MarginalLogLikelihood.MoveToOuterDisposeScope(), loss.KlDivergence.MoveToOuterDisposeScope(),
            loss.NegativeElbo.MoveToOuterDisposeScope());
    }
}

using static TorchSharp.torch;

namespace VaeToolkit.Training.Model;

/// <summary>The terms of the Mult-VAE training objective, each averaged over the users of a batch.</summary>
public static class MultVaeObjective
{
    /// <summary>
    /// −log p(x | logits) for binary rows x under a multinomial: Σ_u (count_u × logsumexp(logits_u) −
    /// Σ_{i∈u} logits_ui) / users. Only the positives' logits are gathered: no dense x is built.
    /// </summary>
    public static Tensor NegativeLogLikelihood(Tensor logits, HistoryBatch batch)
    {
        Tensor positives = logits.take(batch.PositivePositions).sum();
        Tensor normalizers = (logits.logsumexp(1) * batch.Counts).sum();
        return (normalizers - positives) / batch.Users;
    }

    /// <summary>KL(q(z|x) ‖ N(0, I)) = ½ Σ (−log σ² + σ² + μ² − 1), summed over dims, averaged over users.</summary>
    public static Tensor KlDivergence(Tensor mean, Tensor logVariance) =>
        (0.5 * (-logVariance + logVariance.exp() + mean.square() - 1)).sum(1).mean();

    /// <summary>The L2 penalty lam × Σ‖W‖² over the weight matrices.</summary>
    public static Tensor L2Penalty(IEnumerable<Tensor> weights, double lam) =>
        lam * stack(weights.Select(w => w.square().sum())).sum();
}

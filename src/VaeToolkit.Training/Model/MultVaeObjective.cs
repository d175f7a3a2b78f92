using static TorchSharp.torch;

namespace VaeToolkit.Training.Model;

/// <summary>The terms of the Mult-VAE training objective, each averaged over the users of a batch.</summary>
public static class MultVaeObjective
{
    /// <summary>
    /// −log p(x | logits) for binary rows x under a multinomial: −Σ_u Σ_{i∈u} log_softmax(logits_u)_i / users,
    /// with the log-softmax in Float32 whatever the logits' type. Only the positives are gathered: no
    /// dense x is built. (One fused log-softmax pass forward and one backward: measured faster than
    /// count × logsumexp − Σ positives, whose log-sum-exp takes several passes over the logits.)
    /// </summary>
    public static Tensor NegativeLogLikelihood(Tensor logits, HistoryBatch batch) =>
        -logits.log_softmax(1, ScalarType.Float32).take(batch.PositivePositions).sum() / batch.Users;

    /// <summary>KL(q(z|x) ‖ N(0, I)) = ½ Σ (−log σ² + σ² + μ² − 1), summed over dims, averaged over users.</summary>
    public static Tensor KlDivergence(Tensor mean, Tensor logVariance) =>
        (0.5 * (-logVariance + logVariance.exp() + mean.square() - 1)).sum(1).mean();

    /// <summary>The L2 penalty lam × Σ‖W‖² over the weight matrices.</summary>
    public static Tensor L2Penalty(IEnumerable<Tensor> weights, double lam) =>
        lam * stack(weights.Select(w => w.flatten().dot(w.flatten()))).sum();

    /// <summary>
    /// Adds the penalty's gradient, 2·lam·W, to each matrix's gradient in place: one pass per matrix,
    /// where differentiating <see cref="L2Penalty"/> would square, sum and multiply back in several.
    /// (In fp16, <see cref="DynamicLossScaler.AddL2PenaltyGradient"/> adds it at the loss scale.)
    /// </summary>
    public static void AddL2PenaltyGradient(IEnumerable<Tensor> weights, double lam)
    {
        using var noGrad = no_grad();
        foreach (var weight in weights)
            weight.grad!.add_(weight, alpha: 2 * lam);
    }
}

using VaeToolkit.Training.Kernels;
using VaeToolkit.Training.Parallel;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Model;

/// <summary>
/// One forward pass's part of Mult-VAE's batch objective: its users' negative ELBO (input dropout, the
/// reparameterised latent, the multinomial likelihood by the fused kernels or libtorch, KL weighted by the
/// annealed weight) weighted by their share of the batch, so that the passes' gradients add up to the batch's.
/// </summary>
internal static class MultVaePassLoss
{
    /// <summary>
    /// The loss of <paramref name="pass"/> (of a batch of <paramref name="batchSize"/> users) on
    /// <paramref name="model"/>'s device, drawing the dropout mask and the noise from <paramref name="generator"/>;
    /// marks "upload", "encode", "decode" and "likelihood" on <paramref name="phases"/>.
    /// </summary>
    public static Tensor Of(MultVae model, double dropout, HostBatch pass, int batchSize, double klWeight, Generator? generator, PhaseTimer? phases)
    {
        var device = ReplicaGroup.DeviceOf(model);
        using var batch = HistoryBatch.Upload(pass, device);
        Tensor weights = batch.NormWeights;
        double keep = 1 - dropout;
        if (keep < 1)
            weights = weights * full_like(weights, keep).bernoulli(generator) / keep;
        phases?.Mark("upload");

        var (mean, logVariance) = model.Encode(batch.ItemIndices, batch.BagOffsets, weights);
        Tensor latent = mean;
        Tensor? kl = null;
        if (logVariance is not null)
        {
            Tensor noise = randn(mean.shape, device: device, generator: generator);
            latent = mean + noise * (0.5 * logVariance).exp();
            kl = MultVaeObjective.KlDivergence(mean, logVariance);
        }
        phases?.Mark("encode");
        Tensor logits = model.FusedKernels is null ? model.Decode(latent) : model.DecodePadded(latent);
        phases?.Mark("decode");
        Tensor loss = model.FusedKernels is { } kernels
            ? MultinomialLikelihood.NegativeLogLikelihood(kernels, logits, model.ItemCount, batch)
            : MultVaeObjective.NegativeLogLikelihood(logits, batch);
        if (kl is not null)
            loss = loss + klWeight * kl;
        loss = loss * ((double)pass.Users / batchSize);
        phases?.Mark("likelihood");
        return loss;
    }
}

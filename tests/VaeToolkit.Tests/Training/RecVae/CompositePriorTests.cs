using VaeToolkit.Data;
using VaeToolkit.Training.Model;
using VaeToolkit.Training.Models.RecVae;
using static TorchSharp.torch;

namespace VaeToolkit.Tests.Training.RecVae;

public sealed class CompositePriorTests
{
    private static readonly CsrMatrix Histories = CsrMatrix.FromRows([[0, 3, 7], [1, 2], [2, 3, 4, 5, 6, 8, 9]], 10);

    /// <summary>log Σ_k w_k N(z; μ_k, e^{lv_k}) in doubles, with the max taken out (so that it works far in the tails).</summary>
    private static double HandLogDensity(double z, double oldMean, double oldLogVariance)
    {
        static double LogNormal(double x, double mu, double logVar) =>
            -0.5 * Math.Log(2 * Math.PI * Math.Exp(logVar)) - (x - mu) * (x - mu) / (2 * Math.Exp(logVar));
        double[] terms =
        [
            Math.Log(0.15) + LogNormal(z, 0, 0),
            Math.Log(0.75) + LogNormal(z, oldMean, oldLogVariance),
            Math.Log(0.10) + LogNormal(z, 0, 10),
        ];
        double max = terms.Max();
        return max + Math.Log(terms.Sum(t => Math.Exp(t - max)));
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(1e4)] // every component underflows in linear space: only a log-sum-exp gets it
    public void LogDensity_EqualsTheHandComputedMixture(double scale)
    {
        float[] z = [0.3f, -1.2f, 2.0f, 0.0f, -0.5f, 0.8f];
        float[] oldMean = [0.1f, -1.0f, 0.5f, 0.2f, 0.0f, -0.3f];
        float[] oldLogVariance = [-1.0f, 0.5f, -2.0f, 0.0f, 1.0f, -0.5f];
        using var prior = new CompositePrior(10, hiddenDim: 4, latentDim: 3);
        using var zt = tensor(z).reshape(2, 3) * scale;
        using var density = prior.LogDensity(zt, tensor(oldMean).reshape(2, 3), tensor(oldLogVariance).reshape(2, 3));

        Assert.Equal(new long[] { 2, 3 }, density.shape);
        double[] actual = DenseEncoderReference.Values(density);
        for (int i = 0; i < z.Length; i++)
        {
            double expected = HandLogDensity((float)(z[i] * scale), oldMean[i], oldLogVariance[i]);
            Assert.True(Math.Abs(actual[i] - expected) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"entry {i}: {actual[i]} vs {expected}");
        }
    }

    [Fact]
    public void Defaults_AreTheCodesMixture()
    {
        using var prior = new CompositePrior(10, 4, 3);
        Assert.Equal([3.0 / 20, 3.0 / 4, 1.0 / 10], prior.MixtureWeights);
        Assert.Equal(10, prior.WideLogVariance);
        Assert.Equal(prior.MixtureWeights, new RecVaeSettings().MixtureWeights);
        Assert.Throws<ArgumentException>(() => new CompositePrior(10, 4, 3, [0.5, 0.5]));
        Assert.Throws<ArgumentException>(() => new CompositePrior(10, 4, 3, [0.5, 0.5, 0.5]));
    }

    [Fact]
    public void LogDensityOfAHistory_UsesTheOldEncoderWithoutDropout_UntilUpdated()
    {
        manual_seed(4);
        using var network = new RecVaeNetwork(10, hiddenDim: 8, latentDim: 3);
        using var prior = new CompositePrior(10, hiddenDim: 8, latentDim: 3);
        using var batch = HistoryBatch.Create(Histories, [0, 1, 2], CPU);
        using var z = randn(3, 3);

        Tensor FromHistory() => prior.LogDensity(batch.ItemIndices, batch.BagOffsets, batch.NormWeights, z);
        Tensor FromPosterior(RecVaeEncoder encoder)
        {
            var (mean, logVariance) = encoder.call(batch.ItemIndices, batch.BagOffsets, batch.NormWeights);
            return prior.LogDensity(z, mean, logVariance);
        }

        // Before an update the old encoder is the prior's own (freshly initialised, as in model.py).
        Assert.True(FromHistory().allclose(FromPosterior(prior.OldEncoder), rtol: 1e-6, atol: 1e-6));
        Assert.False(FromHistory().allclose(FromPosterior(network.Encoder), rtol: 1e-3, atol: 1e-3));

        prior.UpdateFrom(network);
        Assert.True(FromHistory().allclose(FromPosterior(network.Encoder), rtol: 1e-6, atol: 1e-6));
        Assert.All(prior.parameters(), p => Assert.False(p.requires_grad));
    }

    [Fact]
    public void Gradient_FlowsIntoZ_NotIntoTheOldEncoder()
    {
        manual_seed(2);
        using var prior = new CompositePrior(10, hiddenDim: 8, latentDim: 3);
        using var batch = HistoryBatch.Create(Histories, [0, 1, 2], CPU);
        using var z = randn(3, 3).requires_grad_(true);
        prior.LogDensity(batch.ItemIndices, batch.BagOffsets, batch.NormWeights, z).sum().backward();
        Assert.NotNull(z.grad);
        Assert.True(z.grad!.abs().sum().item<float>() > 0);
        Assert.All(prior.parameters(), p => Assert.True(p.grad is null || p.grad.abs().sum().item<float>() == 0));
    }
}

using VaeToolkit.Data;
using VaeToolkit.Training.Model;
using VaeToolkit.Training.Models.RecVae;
using static TorchSharp.torch;

namespace VaeToolkit.Tests.Training.RecVae;

public sealed class RecVaeObjectiveTests
{
    // An empty history among them: its KL weight γ·0 is 0 and it has no positives.
    private static readonly CsrMatrix Histories = CsrMatrix.FromRows([[0, 3, 7], [1], [], [2, 3, 4, 5, 6, 8, 9], [9, 0]], 10);

    /// <summary>
    /// model.py VAE.forward written out densely in Float64: x binary [users × items], the encoder on
    /// dropout(x / ‖x‖), z = μ + ε σ, the composite prior from the old encoder on x / ‖x‖ without dropout,
    /// mll = (log_softmax(x_pred) * x).sum(-1).mean(), kld = ((log q − log p).sum(-1) * γ·x.sum(-1)).mean().
    /// </summary>
    private static (Tensor Mll, Tensor Kld, Tensor Loss, DenseEncoderReference Encoder, Tensor DecoderWeight) DenseReference(
        RecVaeNetwork network, CompositePrior prior, Tensor x, Tensor denseMask, double keep, Tensor noise, double gamma)
    {
        var encoder = new DenseEncoderReference(network.Encoder);
        var old = new DenseEncoderReference(prior.OldEncoder);
        Tensor decoderWeight = DenseEncoderReference.Leaf(network.Decoder.weight);
        Tensor decoderBias = DenseEncoderReference.Leaf(network.Decoder.bias!);
        Tensor eps = noise.to(ScalarType.Float64);

        Tensor normalised = DenseEncoderReference.Normalise(x);
        var (mu, logVar) = encoder.Forward(normalised * denseMask / keep);
        Tensor z = mu + eps * (0.5 * logVar).exp();
        Tensor logits = z.matmul(decoderWeight.t()) + decoderBias;
        Tensor mll = (logits.log_softmax(-1) * x).sum(-1).mean();

        static Tensor LogNormal(Tensor v, Tensor mean, Tensor logVariance) =>
            -0.5 * (logVariance + Math.Log(2 * Math.PI) + (v - mean).square() / logVariance.exp());
        var (oldMu, oldLogVar) = old.Forward(normalised);
        Tensor zeroMean = zeros_like(z);
        Tensor logPrior = stack([
            LogNormal(z, zeroMean, zeros_like(z)) + Math.Log(3.0 / 20),
            LogNormal(z, oldMu.detach(), oldLogVar.detach()) + Math.Log(3.0 / 4),
            LogNormal(z, zeroMean, full_like(z, 10.0)) + Math.Log(1.0 / 10),
        ], -1).exp().sum(-1).log(); // no log-sum-exp needed at these values in Float64
        Tensor kld = ((LogNormal(z, mu, logVar) - logPrior).sum(-1) * (gamma * x.sum(-1))).mean();
        return (mll, kld, -(mll - kld), encoder, decoderWeight);
    }

    [Fact]
    public void Objective_EqualsTheDenseReference_ValueAndGradients()
    {
        manual_seed(21);
        using var network = new RecVaeNetwork(10, hiddenDim: 8, latentDim: 3);
        using var prior = new CompositePrior(10, hiddenDim: 8, latentDim: 3); // its own old encoder, unlike the network's
        int[] rows = [0, 1, 2, 3, 4];
        using var batch = HistoryBatch.Create(Histories, rows, CPU);
        const double gamma = 0.05, keep = 0.5;

        // A fixed dropout mask per history entry, the same entries masked in the dense reference.
        long entries = batch.ItemIndices.shape[0];
        float[] maskValues = [.. Enumerable.Range(0, (int)entries).Select(e => e % 3 == 1 ? 0f : 1f)];
        using var mask = tensor(maskValues);
        using var entryWeights = batch.NormWeights * mask / keep;
        using var noise = randn(rows.Length, 3);
        var denseMask = ones(rows.Length, 10, ScalarType.Float64);
        int at = 0;
        for (int b = 0; b < rows.Length; b++)
            foreach (int item in Histories.Row(rows[b]))
                denseMask[b, item] = maskValues[at++];

        var loss = RecVaeObjective.Evaluate(network, prior, batch, entryWeights, noise, RecVaeObjective.KlWeights(batch, gamma, null));
        loss.NegativeElbo.backward();

        Tensor x = DenseEncoderReference.DenseRows(Histories, rows);
        var reference = DenseReference(network, prior, x, denseMask, keep, noise, gamma);
        reference.Loss.backward();

        Assert.Equal(reference.Mll.item<double>(), loss.MarginalLogLikelihood.item<float>(), 4);
        Assert.Equal(reference.Kld.item<double>(), loss.KlDivergence.item<float>(), 4);
        Assert.Equal(reference.Loss.item<double>(), loss.NegativeElbo.item<float>(), 4);
        Assert.True(Math.Abs(reference.Kld.item<double>()) > 1e-3, "the KL term takes part");

        // Gradients: the sparse item layer, a dense layer, the log-variance head and the decoder.
        void Same(Tensor expected, Tensor actual, string name) =>
            Assert.True(actual.to(ScalarType.Float64).allclose(expected, rtol: 1e-3, atol: 1e-5), $"{name}: max diff {(actual.to(ScalarType.Float64) - expected).abs().max().item<double>()}");
        Same(reference.Encoder.W1.grad!, network.Encoder.ItemWeight.grad!, "fc1");
        Same(reference.Encoder.Hidden[2].W.grad!, network.Encoder.HiddenLayers[2].weight.grad!, "fc4");
        Same(reference.Encoder.LogVar.W.grad!, network.Encoder.LogVarianceLayer.weight.grad!, "fc_logvar");
        Same(reference.Encoder.Norms[4].G.grad!, network.Encoder.Norms[4].weight!.grad!, "ln5");
        Same(reference.DecoderWeight.grad!, network.Decoder.weight.grad!, "decoder");
    }

    [Fact]
    public void KlWeights_AreGammaTimesCount_ElseBeta()
    {
        using var batch = HistoryBatch.Create(Histories, [0, 1, 2, 3], CPU);
        Assert.Equal([0.015f, 0.005f, 0f, 0.035f], RecVaeObjective.KlWeights(batch, 0.005, null).data<float>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-7);
        Assert.Equal([0.2f, 0.2f, 0.2f, 0.2f], RecVaeObjective.KlWeights(batch, null, 0.2).data<float>().ToArray());
        Assert.Equal([0.2f, 0.2f, 0.2f, 0.2f], RecVaeObjective.KlWeights(batch, 0, 0.2).data<float>().ToArray());
        Assert.Throws<ArgumentException>(() => RecVaeObjective.KlWeights(batch, null, null));
    }

    [Fact]
    public void DropoutWeights_KeepAboutHalf_ScaledByOneOverKeep()
    {
        using var normWeights = full(20_000, 0.25f);
        using var generator = new Generator(5);
        using var dropped = RecVaeObjective.DropoutWeights(normWeights, 0.5, generator);
        float[] values = dropped.data<float>().ToArray();
        Assert.All(values, v => Assert.True(v == 0 || Math.Abs(v - 0.5f) < 1e-7));
        Assert.InRange(values.Count(v => v > 0) / 20_000.0, 0.48, 0.52);
        using var none = RecVaeObjective.DropoutWeights(normWeights, 0, generator);
        Assert.True(none.eq(normWeights).all().item<bool>());
    }
}

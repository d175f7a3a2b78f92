using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.Training.Model;
using static TorchSharp.torch;

namespace VaeToolkit.Tests.Training;

public sealed class MultVaeTests
{
    private static readonly CsrMatrix Histories = CsrMatrix.FromRows([[0, 3, 7], [1], [], [2, 3, 4, 5, 6, 8, 9]], 10);

    [Theory]
    [InlineData("vae")]
    [InlineData("dae")]
    public void Shapes_FollowTheConfiguredDims(string type)
    {
        manual_seed(3);
        using var model = new MultVae(10, new ModelConfig { Type = type, EncoderDims = [6, 4] });
        using var batch = HistoryBatch.Create(Histories, [0, 1, 2, 3], CPU);
        var (mean, logVariance) = model.Encode(batch.ItemIndices, batch.BagOffsets, batch.NormWeights);
        Assert.Equal(new long[] { 4, 4 }, mean.shape);
        Assert.Equal(type == "vae", logVariance is not null);
        if (logVariance is not null) Assert.Equal(new long[] { 4, 4 }, logVariance.shape);
        Assert.Equal(new long[] { 4, 10 }, model.call(batch.ItemIndices, batch.BagOffsets, batch.NormWeights).shape);

        var weights = model.ToWeights();
        Assert.Equal([10, 6], weights.Encoder.Select(l => l.Inputs));
        Assert.Equal(type == "vae" ? [6, 8] : new[] { 6, 4 }, weights.Encoder.Select(l => l.Outputs));
        Assert.Equal([4, 6], weights.Decoder.Select(l => l.Inputs));
        Assert.Equal([6, 10], weights.Decoder.Select(l => l.Outputs));
    }

    [Fact]
    public void SparseItemLayer_EqualsTheDenseNormalisedInput()
    {
        manual_seed(5);
        using var model = new MultVae(10, new ModelConfig { Type = "dae", EncoderDims = [4] });
        using var batch = HistoryBatch.Create(Histories, [0, 1, 2, 3], CPU);
        var weights = model.ToWeights();
        using var sparse = model.Encode(batch.ItemIndices, batch.BagOffsets, batch.NormWeights).Mean;

        // Dense reference: x / ‖x‖ · W + b, then tanh (a DAE's latent).
        var dense = zeros(4, 10);
        for (int u = 0; u < 4; u++)
            foreach (int item in Histories.Row(u))
                dense[u, item] = 1f / MathF.Sqrt(Histories.RowLength(u));
        var w = tensor(weights.Encoder[0].Weight).reshape(10, 4);
        var b = tensor(weights.Encoder[0].Bias);
        var expected = (dense.matmul(w) + b).tanh();
        Assert.True(sparse.allclose(expected, rtol: 1e-5, atol: 1e-6));
    }

    [Theory]
    [InlineData(ScalarType.Float32, 1e-5)] // 10 items: padded to 12 for the product
    [InlineData(ScalarType.BFloat16, 2e-2)] // padded to 16
    public void Decode_PaddedOutputLayer_GivesTheProductOverTheRealItems(ScalarType computeType, double tolerance)
    {
        manual_seed(9);
        using var model = new MultVae(10, new ModelConfig { Type = "dae", EncoderDims = [6, 4] }) { ComputeType = computeType };
        var decoder = model.ToWeights().Decoder;
        using var latent = randn(3, 4);

        // Reference in Float32: tanh(z · W1 + b1) · W2 + b2.
        Tensor Layer(DenseLayer layer, Tensor input) =>
            input.matmul(tensor(layer.Weight).reshape(layer.Inputs, layer.Outputs)) + tensor(layer.Bias);
        using var expected = Layer(decoder[1], Layer(decoder[0], latent).tanh());
        using var logits = model.Decode(latent);

        Assert.Equal(new long[] { 3, 10 }, logits.shape);
        Assert.Equal(computeType, logits.dtype);
        Assert.True(logits.to(ScalarType.Float32).allclose(expected, rtol: tolerance, atol: tolerance));
    }

    [Fact]
    public void NegativeLogLikelihood_EqualsTheDenseMultinomialFormula()
    {
        manual_seed(7);
        using var batch = HistoryBatch.Create(Histories, [0, 3, 1], CPU);
        var logits = randn(3, 10);
        double sparse = MultVaeObjective.NegativeLogLikelihood(logits, batch).item<float>();

        var x = zeros(3, 10);
        int[] rows = [0, 3, 1];
        for (int b = 0; b < 3; b++)
            foreach (int item in Histories.Row(rows[b])) x[b, item] = 1;
        double dense = -(logits.log_softmax(1) * x).sum(1).mean().item<float>();
        Assert.Equal(dense, sparse, 4);
    }

    [Fact]
    public void KlDivergence_IsZeroForTheStandardNormalAndPositiveOtherwise()
    {
        Assert.Equal(0, MultVaeObjective.KlDivergence(zeros(2, 3), zeros(2, 3)).item<float>(), 6);
        // One dim with μ = 1, log σ² = 0: ½ (0 + 1 + 1 − 1) = 0.5 per user.
        var mean = tensor(new float[] { 1, 0, 0, 1, 0, 0 }).reshape(2, 3);
        Assert.Equal(0.5, MultVaeObjective.KlDivergence(mean, zeros(2, 3)).item<float>(), 6);
    }
}

using VaeToolkit.Data;
using VaeToolkit.Training.Model;
using VaeToolkit.Training.Models.RecVae;
using static TorchSharp.torch;

namespace VaeToolkit.Tests.Training.RecVae;

public sealed class RecVaeNetworkTests
{
    private static readonly CsrMatrix Histories = CsrMatrix.FromRows([[0, 3, 7], [1], [], [2, 3, 4, 5, 6, 8, 9]], 10);

    [Fact]
    public void Shapes_FollowItemsHiddenAndLatent()
    {
        manual_seed(3);
        using var network = new RecVaeNetwork(10, hiddenDim: 6, latentDim: 4);
        using var batch = HistoryBatch.Create(Histories, [0, 1, 2, 3], CPU);
        var (mean, logVariance) = network.Encode(batch.ItemIndices, batch.BagOffsets, batch.NormWeights);
        Assert.Equal(new long[] { 4, 4 }, mean.shape);
        Assert.Equal(new long[] { 4, 4 }, logVariance.shape);
        Assert.Equal(new long[] { 4, 10 }, network.Decode(mean).shape);
        Assert.Equal(new long[] { 4, 10 }, network.call(batch.ItemIndices, batch.BagOffsets, batch.NormWeights).shape);

        // fc1 [items × hidden] + bias, fc2..fc5, ln1..ln5 (weight, bias), fc_mu, fc_logvar; decoder [items × latent] + bias.
        Assert.Equal(new long[] { 10, 6 }, network.Encoder.ItemWeight.shape);
        Assert.Equal(2 + 4 * 2 + 5 * 2 + 2 * 2, network.EncoderParameters.Count());
        Assert.Equal([new long[] { 10, 4 }, [10]], network.DecoderParameters.Select(p => p.shape));
        Assert.Equal(network.parameters().Count(), network.EncoderParameters.Count() + network.DecoderParameters.Count());
    }

    [Fact]
    public void Defaults_AreThePapersWidthsAndLayerNormEps()
    {
        using var network = new RecVaeNetwork(50);
        Assert.Equal(600, network.HiddenDim);
        Assert.Equal(200, network.LatentDim);
        Assert.All(network.Encoder.Norms, norm => Assert.Equal(0.1, norm.eps));
        // fc1 initialised as nn.Linear(items, hidden): uniform within ±1/sqrt(items), not N(0, 1).
        double bound = 1 / Math.Sqrt(50);
        Assert.True(network.Encoder.ItemWeight.abs().max().item<float>() <= bound + 1e-7);
        Assert.True(network.Encoder.ItemBias.abs().max().item<float>() <= bound + 1e-7);
    }

    [Fact]
    public void Encode_EqualsTheDenseEncoderOnTheNormalisedHistory()
    {
        manual_seed(5);
        using var network = new RecVaeNetwork(10, hiddenDim: 8, latentDim: 3);
        int[] rows = [0, 1, 2, 3];
        using var batch = HistoryBatch.Create(Histories, rows, CPU);
        var (mean, logVariance) = network.Encode(batch.ItemIndices, batch.BagOffsets, batch.NormWeights);

        var reference = new DenseEncoderReference(network.Encoder);
        var (expectedMean, expectedLogVariance) = reference.Forward(DenseEncoderReference.Normalise(DenseEncoderReference.DenseRows(Histories, rows)));
        Assert.True(mean.to(ScalarType.Float64).allclose(expectedMean, rtol: 1e-4, atol: 1e-5));
        Assert.True(logVariance.to(ScalarType.Float64).allclose(expectedLogVariance, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void Forward_DecodesTheMean()
    {
        manual_seed(6);
        using var network = new RecVaeNetwork(10, hiddenDim: 8, latentDim: 3);
        using var batch = HistoryBatch.Create(Histories, [3, 0], CPU);
        var (mean, _) = network.Encode(batch.ItemIndices, batch.BagOffsets, batch.NormWeights);
        var expected = mean.matmul(network.Decoder.weight.t()) + network.Decoder.bias!;
        Assert.True(network.call(batch.ItemIndices, batch.BagOffsets, batch.NormWeights).allclose(expected, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void BFloat16Compute_StaysCloseToFloat32()
    {
        manual_seed(8);
        using var network = new RecVaeNetwork(10, hiddenDim: 16, latentDim: 4);
        using var batch = HistoryBatch.Create(Histories, [0, 1, 2, 3], CPU);
        using var full = network.call(batch.ItemIndices, batch.BagOffsets, batch.NormWeights);
        network.ComputeType = ScalarType.BFloat16;
        using var mixed = network.call(batch.ItemIndices, batch.BagOffsets, batch.NormWeights);
        var (mean, _) = network.Encode(batch.ItemIndices, batch.BagOffsets, batch.NormWeights);
        Assert.Equal(ScalarType.Float32, mean.dtype);
        Assert.Equal(ScalarType.BFloat16, network.Decode(mean).dtype);
        Assert.True(mixed.allclose(full, rtol: 5e-2, atol: 5e-2));
        Assert.False(mixed.eq(full).all().item<bool>()); // it did compute in another type
    }

    [Fact]
    public void CopyEncoder_IsAFrozenEqualCopy()
    {
        manual_seed(9);
        using var network = new RecVaeNetwork(10, hiddenDim: 8, latentDim: 3);
        using var copy = network.CopyEncoder();
        Assert.All(copy.parameters(), p => Assert.False(p.requires_grad));
        Assert.All(network.EncoderParameters, p => Assert.True(p.requires_grad));
        var original = network.Encoder.state_dict();
        foreach (var (name, value) in copy.state_dict())
            Assert.True(value.eq(original[name]).all().item<bool>(), name);

        // A copy, not shared storage.
        using (no_grad()) network.Encoder.ItemWeight.add_(1);
        Assert.False(copy.ItemWeight.eq(network.Encoder.ItemWeight).all().item<bool>());
    }
}

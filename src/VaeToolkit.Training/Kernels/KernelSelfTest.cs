using TorchSharp;
using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.Training.Model;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Kernels;

/// <summary>
/// A small model's loss, gradients and Adam steps on the fused kernels against libtorch's operators, on
/// the device that will train, before training trusts the kernels: kernels that compute wrong on a GPU
/// the tests never saw (a new architecture, another NVRTC) then make the trainer fall back on libtorch,
/// with the reason, instead of training on garbage. A few milliseconds, once per device.
/// </summary>
internal static class KernelSelfTest
{
    private const int Items = 21; // half precision pads the logits to 24

    private static readonly CsrMatrix Histories = CsrMatrix.FromRows(
        [[0, 3, 7], [1], [], [2, 3, 4, 5, 6, 8, 9, 11, 13, 17, 19, 20], [20, 5, 6]], Items);

    private const long SelfTestSeed = 20180423;

    /// <exception cref="InvalidOperationException">A result differs from libtorch's by more than rounding explains.</exception>
    public static void Run(IFusedKernels kernels, Device device, ScalarType computeType)
    {
        var randomState = random.get_rng_state(); // the model's initialisation must not shift the trainer's seeded stream
        try
        {
            // A fixed initialisation: from whatever state the stream was in, a check's margins (and so which
            // comparison a wrong kernel fails first) would depend on what ran before.
            manual_seed(SelfTestSeed);
            Check(kernels, device, computeType);
        }
        finally
        {
            random.set_rng_state(randomState);
        }
    }

    private static void Check(IFusedKernels kernels, Device device, ScalarType computeType)
    {
        using var scope = NewDisposeScope();
        double tolerance = computeType == ScalarType.Float32 ? 1e-4 : 2e-2;
        var config = new ModelConfig { EncoderDims = [12, 4] };
        using var plain = new MultVae(Items, config) { ComputeType = computeType }.to(device);
        using var fused = new MultVae(Items, config) { ComputeType = computeType, FusedKernels = kernels }.to(device);
        fused.load_state_dict(plain.state_dict());
        using var batch = HistoryBatch.Create(Histories, [.. Enumerable.Range(0, Histories.RowCount)], device);

        var plainLoss = Loss(plain, batch);
        plainLoss.backward();
        var fusedLoss = Loss(fused, batch);
        fusedLoss.backward();
        Compare("the loss", fusedLoss, plainLoss, tolerance);
        foreach (var ((name, p), f) in plain.named_parameters().Zip(fused.parameters()))
            Compare($"the gradient of {name}", f.grad!, p.grad!, tolerance);

        // Adam from the same gradients, then a step with its skip flag set, which must change nothing.
        using var plainAdam = optim.Adam(plain.parameters(), 0.01);
        using var fusedAdam = optim.Adam(fused.parameters(), 0.01);
        using (no_grad())
        {
            foreach (var (p, f) in plain.parameters().Zip(fused.parameters())) f.grad!.copy_(p.grad!);
        }
        plainAdam.step();
        using var deviceAdam = new DeviceAdam(fusedAdam, kernels.AdamStep);
        deviceAdam.Step();
        foreach (var ((name, p), f) in plain.named_parameters().Zip(fused.parameters()))
            Compare($"{name} after an Adam step", f, p, 1e-5);
        var before = fused.parameters().Select(p => p.detach().clone()).ToList();
        deviceAdam.Step(ones(Array.Empty<long>(), ScalarType.Float32, device));
        foreach (var ((name, p), b) in fused.named_parameters().Zip(before))
            Compare($"{name} after a skipped Adam step", p, b, 0);
    }

    private static Tensor Loss(MultVae model, HistoryBatch batch)
    {
        var (mean, logVariance) = model.Encode(batch.ItemIndices, batch.BagOffsets, batch.NormWeights);
        Tensor likelihood = model.FusedKernels is { } kernels
            ? MultinomialLikelihood.NegativeLogLikelihood(kernels, model.DecodePadded(mean), Items, batch)
            : MultVaeObjective.NegativeLogLikelihood(model.Decode(mean), batch);
        return likelihood + 0.2 * MultVaeObjective.KlDivergence(mean, logVariance!);
    }

    // Relative to the expected values' largest magnitude (at least 1); NaN fails.
    private static void Compare(string what, Tensor actual, Tensor expected, double tolerance)
    {
        using var scope = NewDisposeScope();
        var (a, e) = (actual.detach().to(ScalarType.Float64), expected.detach().to(ScalarType.Float64));
        double difference = (a - e).abs().max().item<double>();
        double scale = Math.Max(1, e.abs().max().item<double>());
        if (!(difference <= tolerance * scale))
            throw new InvalidOperationException($"the fused kernels failed their self-test: {what} differs from libtorch's by {difference:G3}");
    }
}

using TorchSharp;
using TorchSharp.Modules;
using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.Training.Kernels;
using VaeToolkit.Training.Model;
using static TorchSharp.torch;

namespace VaeToolkit.Tests.Training;

/// <summary>
/// The fused path against libtorch's operators, for any <see cref="IFusedKernels"/> on any device: the
/// CPU tests run it on <see cref="ReferenceKernels"/>, the GPU tests on the CUDA kernels.
/// </summary>
internal static class FusedKernelParity
{
    /// <summary>21 items (bf16 pads the logits to 24), with an empty row, a one-item row and a long row.</summary>
    public const int Items = 21;

    public static readonly CsrMatrix Histories = CsrMatrix.FromRows(
        [[0, 3, 7], [1], [], [2, 3, 4, 5, 6, 8, 9, 11, 13, 17, 19, 20], [20], [5, 6, 7, 8]], Items);

    private static readonly int[] Rows = [0, 1, 2, 3, 4, 5];

    /// <summary>Value and logits gradient of <see cref="MultinomialLikelihood"/> against log-softmax-and-gather.</summary>
    public static void AssertLikelihoodMatches(IFusedKernels kernels, Device device, ScalarType type, double tolerance)
    {
        using var scope = NewDisposeScope();
        manual_seed(21);
        int padded = 24;
        using var batch = HistoryBatch.Create(Histories, Rows, device);
        var logits = (randn(Rows.Length, padded) * 3).to(type).to(device).detach().requires_grad_(true);

        // An upstream gradient other than 1, as the KL weight and pass share give it.
        var fused = MultinomialLikelihood.NegativeLogLikelihood(kernels, logits, Items, batch);
        (fused * 0.7).backward();
        var fusedGradient = logits.grad!.to(ScalarType.Float32).cpu().clone(); // a copy: the next backward reuses grad
        logits.grad!.zero_();
        var reference = MultVaeObjective.NegativeLogLikelihood(logits[.., ..Items], batch);
        (reference * 0.7).backward();
        var referenceGradient = logits.grad!.to(ScalarType.Float32).cpu();

        Assert.Equal(reference.item<float>(), fused.item<float>(), 1e-4 * Math.Abs(reference.item<float>()));
        Assert.True(fusedGradient[.., ..Items].allclose(referenceGradient[.., ..Items], rtol: tolerance, atol: tolerance),
            $"largest gradient difference {(fusedGradient - referenceGradient).abs().max().item<float>()}");
        Assert.Equal(0, fusedGradient[.., Items..].abs().max().item<float>());
    }

    /// <summary>
    /// Output and weight gradient of <see cref="SparseItemLayer"/> against libtorch's embedding bag, on
    /// 300 users of 60 items: rows of up to 45 items and a popular item, so that runs of one row and of
    /// one item cross the kernel's chunks of 32 entries; some rows and items are empty, and about half
    /// the entries are dropped out (weight 0).
    /// </summary>
    public static void AssertItemLayerMatches(IFusedKernels kernels, Device device, int width)
    {
        using var scope = NewDisposeScope();
        manual_seed(22);
        const int items = 60, users = 300;
        var random = new Random(22);
        var histories = CsrMatrix.FromRows([.. Enumerable.Range(0, users).Select(u =>
            Enumerable.Range(0, random.Next(u % 7 == 0 ? 0 : 46)).Select(_ => random.Next(3) == 0 ? 0 : random.Next(items - 2)))], items);
        using var bag = nn.EmbeddingBag(items, width, mode: EmbeddingBagMode.Sum).to(device);
        using var batch = HistoryBatch.Create(histories, [.. Enumerable.Range(0, users)], device);
        long entries = batch.ItemIndices.shape[0];
        var entryWeights = (rand(entries) * full(entries, 0.5f).bernoulli() * 2).to(device); // dropout: about half weigh 0
        var upstream = randn(users, width).to(device);

        var fused = SparseItemLayer.Product(kernels, bag.weight!, batch.ItemIndices, batch.BagOffsets, entryWeights);
        (fused * upstream).sum().backward();
        var fusedGradient = bag.weight!.grad!.cpu().clone();
        bag.weight!.grad!.zero_();
        var reference = bag.call(batch.ItemIndices, batch.BagOffsets, entryWeights);
        (reference * upstream).sum().backward();

        Assert.True(fused.allclose(reference, rtol: 1e-5, atol: 1e-6), $"largest output difference {(fused - reference).abs().max().item<float>()}");
        // The popular item's gradient sums ~2,000 terms: the order of the float additions shows.
        var referenceGradient = bag.weight!.grad!.cpu();
        Assert.True(fusedGradient.allclose(referenceGradient, rtol: 1e-4, atol: 1e-4),
            $"largest weight gradient difference {(fusedGradient - referenceGradient).abs().max().item<float>()} (largest gradient {referenceGradient.abs().max().item<float>()})");
        Assert.Equal(0, fusedGradient[items - 1].abs().max().item<float>()); // in no history
    }

    /// <summary>
    /// <see cref="DeviceAdam"/> steps on <paramref name="kernel"/> against TorchSharp's Adam, with betas
    /// other than the defaults (as NVIDIA's VAE-CF sets them): before the second step comes one that
    /// overflowed (its gradients hold inf and NaN, its flag is set). It must change nothing, not even the
    /// step count, so both end with the same weights, moments and step counts.
    /// </summary>
    public static void AssertAdamMatches(AdamStepKernel kernel, Device device)
    {
        using var skip = tensor(1f, device: device);
        DeviceAdam? adam = null;
        try
        {
            AssertStepsLikeTorchSharpsAdam(device, seed: 25, (model, optimizer) =>
            {
                adam = new DeviceAdam(optimizer, kernel);
                return (step =>
                {
                    if (step == 1) AssertOverflowedStepChangesNothing(model, adam, skip);
                    adam.Step();
                }, adam.WriteStepCount);
            });
        }
        finally
        {
            adam?.Dispose();
        }
    }

    private static void AssertOverflowedStepChangesNothing(MultVae model, DeviceAdam adam, Tensor skip)
    {
        var gradients = model.parameters().Select(p => p.grad!).ToList();
        var weights = model.parameters().Select(p => p.detach().clone()).ToList();
        foreach (var p in model.parameters())
        {
            p.grad = randn_like(p);
            p.grad.view(-1)[0] = float.PositiveInfinity;
            p.grad.view(-1)[-1] = float.NaN;
        }
        adam.Step(skip);
        foreach (var ((name, p), before) in model.named_parameters().Zip(weights))
            Assert.True(p.eq(before).all().item<bool>(), $"{name} moved in a skipped step");
        foreach (var (p, g) in model.parameters().Zip(gradients)) p.grad = g;
    }

    /// <summary>
    /// Three steps of TorchSharp's Adam on one model and three of the tested steps on a copy, on the same
    /// gradients; then the weights, the moments and the step counts must agree. <paramref name="tested"/>
    /// gets the copy and its optimizer and gives back its step (called with the step's index once the
    /// gradients are set) and what to do after the last step.
    /// </summary>
    private static void AssertStepsLikeTorchSharpsAdam(Device device, int seed, Func<MultVae, Adam, (Action<int> Step, Action Finish)> tested)
    {
        using var scope = NewDisposeScope();
        manual_seed(seed);
        var config = new ModelConfig { EncoderDims = [12, 4] };
        using var plain = new MultVae(Items, config).to(device);
        using var other = new MultVae(Items, config).to(device);
        other.load_state_dict(plain.state_dict());
        using var plainAdam = optim.Adam(plain.parameters(), 0.01, beta1: 0.85, beta2: 0.9);
        using var otherAdam = optim.Adam(other.parameters(), 0.01, beta1: 0.85, beta2: 0.9);
        var (step, finish) = tested(other, otherAdam);
        for (int s = 0; s < 3; s++)
        {
            var gradients = plain.parameters().Select(p => randn(p.shape).to(device)).ToList();
            foreach (var (p, g) in plain.parameters().Zip(gradients)) p.grad = g.clone();
            foreach (var (p, g) in other.parameters().Zip(gradients)) p.grad = g.clone();
            plainAdam.step();
            step(s);
        }
        finish();
        foreach (var ((name, p), f) in plain.named_parameters().Zip(other.parameters()))
            Assert.True(f.allclose(p, rtol: 1e-5, atol: 1e-6), $"{name}: largest difference {(f - p).abs().max().item<float>()}");
        foreach (var (p, f) in plainAdam.state_dict().State.Cast<Adam.State>().Zip(otherAdam.state_dict().State.Cast<Adam.State>()))
        {
            Assert.Equal(p.step, f.step);
            Assert.True(f.exp_avg.allclose(p.exp_avg, rtol: 1e-5, atol: 1e-7), $"first moments differ by up to {(f.exp_avg - p.exp_avg).abs().max().item<float>()}");
            Assert.True(f.exp_avg_sq.allclose(p.exp_avg_sq, rtol: 1e-5, atol: 1e-9), $"second moments differ by up to {(f.exp_avg_sq - p.exp_avg_sq).abs().max().item<float>()}");
        }
    }
}

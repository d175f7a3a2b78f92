using VaeToolkit.Configuration;
using VaeToolkit.Training;
using VaeToolkit.Training.Models;
using VaeToolkit.Training.Models.RecVae;
using static TorchSharp.torch;

namespace VaeToolkit.Tests.Training.RecVae;

/// <summary>
/// RecVAE with N in-process replicas on the CPU does the same maths as one replica with the whole batch
/// (as DataParallelTests shows for Mult-VAE). RecVAE always samples z, and trains its encoder with input
/// dropout; every replica draws the whole batch's numbers from a generator seeded as one device's and takes
/// its shard's slice, so the runs see the same draws with dropout on as well as off.
/// </summary>
public sealed class RecVaeDataParallelTests
{
    private static VaeConfig Config(int gpus, int epochs, double dropout, int batchSize = 70, string precision = Precisions.Fp32) => ModelRegistry.ConfigLoader.Defaults with
    {
        Seed = 17,
        Gpus = gpus,
        Precision = precision,
        Model = new ModelConfig { Type = ModelTypes.RecVae, EncoderDims = [24, 8], Dropout = dropout },
        Training = new TrainingConfig { Epochs = epochs, BatchSize = batchSize, LearningRate = 0.01, Threads = 1 },
    };

    private static float[] Parameters(nn.Module module) =>
        [.. module.parameters().SelectMany(p => p.detach().cpu().to(ScalarType.Float32).data<float>().ToArray())];

    private static void AssertClose(float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.InRange(actual[i] - expected[i], -tolerance, tolerance);
    }

    [Theory]
    [InlineData(2, 1, 0.0, 70)]
    [InlineData(2, 3, 0.5, 70)]
    [InlineData(3, 2, 0.5, 70)]
    [InlineData(2, 2, 0.5, 73)] // 220 users: the last batch has one user, so one replica's shard is empty
    public void Replicas_MatchOneReplicaWithTheWholeBatch(int gpus, int epochs, double dropout, int batchSize)
    {
        var data = TinyDatasets.Grouped();
        using var single = new RecVaeTrainer(Config(1, epochs, dropout, batchSize), data.ItemCount);
        using var parallel = new RecVaeTrainer(Config(gpus, epochs, dropout, batchSize), data.ItemCount);
        Assert.Equal(gpus, parallel.Replicas.Count);
        Assert.Equal(Parameters(single.Network), Parameters(parallel.Network)); // same initialisation
        Assert.Equal(Parameters(single.Prior), Parameters(parallel.Prior));
        for (int r = 1; r < gpus; r++)
        {
            Assert.Equal(Parameters(parallel.Replicas[0]), Parameters(parallel.Replicas[r]));
            Assert.Equal(Parameters(parallel.Priors[0]), Parameters(parallel.Priors[r]));
        }

        var one = single.Fit(data, null, false, null, TestContext.Current.CancellationToken);
        var many = parallel.Fit(data, null, false, null, TestContext.Current.CancellationToken);

        // Best weights are loaded into the first replica; the last epoch's are in every replica and prior.
        AssertClose(Parameters(single.Network), Parameters(parallel.Network), 2e-4f);
        for (int r = 1; r < gpus; r++)
            AssertClose(Parameters(parallel.Priors[0]), Parameters(parallel.Priors[r]), 1e-6f);
        AssertClose(Parameters(single.Prior), Parameters(parallel.Prior), 2e-4f);
        Assert.Equal(one.History.Select(e => e.Loss), many.History.Select(e => e.Loss), (a, b) => Math.Abs(a - b) < 1e-3 * Math.Max(1, Math.Abs(a)));
        Assert.Equal(one.BestEpoch, many.BestEpoch);
        Assert.Equal(one.BestValidationNdcg, many.BestValidationNdcg, 1e-3);
    }

    [Fact]
    public void Fp16Replicas_SkipTheSameSteps_AndStayIdentical()
    {
        var data = TinyDatasets.Grouped();
        using var trainer = new RecVaeTrainer(Config(2, 2, 0.5, precision: Precisions.Fp16), data.ItemCount);
        trainer.RestoreLossScalers(new LossScalerState(Math.Pow(2, 40), 0, 0)); // fp16 tops out at 65504
        var outcome = trainer.Fit(data, null, false, null, TestContext.Current.CancellationToken);
        // The last epoch's weights are in the second replica; the first holds the best epoch's.
        Assert.Equal(outcome.BestEpoch == 2 ? Parameters(trainer.Replicas[0]) : Parameters(trainer.Replicas[1]), Parameters(trainer.Replicas[1]));
        Assert.Equal(Parameters(trainer.Priors[0]), Parameters(trainer.Priors[1]));
        var (first, second) = (trainer.LossScalers[0].State, trainer.LossScalers[1].State);
        Assert.True(first.SkippedSteps > 0, "no step overflowed");
        Assert.Equal(first, second);
    }

    [Theory]
    [InlineData(Precisions.Fp32)]
    [InlineData(Precisions.Fp16)] // the loss scaler's state and the device-side Adam step counts travel too
    public void ReplicasCancelledAndResumed_AreTheUninterruptedRun(string precision)
    {
        var data = TinyDatasets.Grouped();
        using var scratch = new TemporaryDirectory();
        var config = Config(2, 4, 0.5, precision: precision);
        string whole = scratch.Combine("whole"), split = scratch.Combine("split");
        using var straight = new RecVaeTrainer(config, data.ItemCount);
        var expected = straight.Fit(data, whole, false, null, TestContext.Current.CancellationToken);

        using (var cancelled = new CancellationTokenSource())
        using (var first = new RecVaeTrainer(config, data.ItemCount))
        {
            Assert.ThrowsAny<OperationCanceledException>(() => first.Fit(data, split, false, new SyncProgress(report =>
            {
                if (report.EpochCompleted?.Epoch == 2) cancelled.Cancel(); // its checkpoint is still written
            }), cancelled.Token));
        }
        using var resumed = new RecVaeTrainer(config, data.ItemCount);
        var actual = resumed.Fit(data, split, true, null, TestContext.Current.CancellationToken);
        Assert.True(actual.Resumed);
        // Not bit for bit: the replicas run at once on the CPU and share libtorch's intra-op threads, whose
        // per-thread partial sums combine in the order the threads happen to take their chunks, so two runs
        // differ in the last float bits (seen: 37.15827751 against 37.15827815). A resume that lost or
        // replayed anything (weights, Adam, prior, loss scale, random streams) differs by far more.
        Assert.Equal(expected.History.Select(e => (e.LossScale, e.SkippedSteps)), actual.History.Select(e => (e.LossScale, e.SkippedSteps)));
        Assert.Equal(expected.History.Select(e => e.ValidationNdcgAt100!.Value), actual.History.Select(e => e.ValidationNdcgAt100!.Value),
            (a, b) => Math.Abs(a - b) < 1e-3); // a tie at the 100th place may turn either way
        Assert.Equal(expected.History.Select(e => e.Loss), actual.History.Select(e => e.Loss), (a, b) => Math.Abs(a - b) < 1e-5 * Math.Abs(a));
        AssertClose(Parameters(straight.Replicas[1]), Parameters(resumed.Replicas[1]), 1e-5f);
        AssertClose(Parameters(straight.Network), Parameters(resumed.Network), 1e-5f);
    }

    /// <summary>Reports synchronously (<see cref="Progress{T}"/> would post them elsewhere).</summary>
    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}

using VaeToolkit.Configuration;
using VaeToolkit.Training;
using VaeToolkit.Training.Fitting;
using VaeToolkit.Training.Models;
using VaeToolkit.Training.Models.RecVae;

namespace VaeToolkit.Tests.Training;

/// <summary>
/// Early stopping: the rule on constructed histories (patience, min_delta, epochs without validation), and in
/// Mult-VAE's and RecVAE's trainers: a run stops where the uninterrupted run's own validations say it should,
/// keeps the best epoch's weights, writes a checkpoint there, and a resumed run stops at the same epoch.
/// </summary>
public sealed class EarlyStoppingTests : IDisposable
{
    private readonly TemporaryDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static EpochRecord Epoch(int epoch, double? ndcg) => new(epoch, 1, 0, 1, 10, ndcg, ndcg is null ? null : 0.1, 5);

    private static TrainingConfig Settings(int? patience, double minDelta = 0) =>
        new() { EarlyStoppingPatience = patience, EarlyStoppingMinDelta = minDelta };

    /// <summary>The first epoch after which <paramref name="stopping"/> says stop, feeding it the NDCGs one epoch at a time; 0 if never.</summary>
    private static int StopEpoch(TrainingConfig training, params double?[] ndcgs)
    {
        for (int epoch = 1; epoch <= ndcgs.Length; epoch++)
            if (EarlyStopping.Replay(training, ndcgs.Take(epoch).Select((n, i) => Epoch(i + 1, n))).ShouldStop) return epoch;
        return 0;
    }

    [Fact]
    public void Patience_CountsValidationsInARowWithoutImprovement()
    {
        // Improvements at 1, 2 and 5; 3 and 4 are the two without, so patience 2 stops after 4 and patience 3 never
        // (5 resets the count, 6 and 7 are two without).
        double?[] ndcgs = [0.10, 0.20, 0.15, 0.18, 0.21, 0.20, 0.19];
        Assert.Equal(4, StopEpoch(Settings(2), ndcgs));
        Assert.Equal(0, StopEpoch(Settings(3), ndcgs));
        Assert.Equal(3, StopEpoch(Settings(1), ndcgs));
        Assert.Equal(0, StopEpoch(Settings(null), ndcgs)); // off
        // An equal NDCG is no improvement.
        Assert.Equal(2, StopEpoch(Settings(1), 0.3, 0.3));
    }

    [Fact]
    public void MinDelta_AnImprovementMustExceedTheReferenceByMoreThanIt()
    {
        // 0.14 beats 0.10 by 0.04: an improvement with min_delta 0.03, none with 0.05 (nor with exactly 0.04).
        Assert.Equal(0, StopEpoch(Settings(1, 0.03), 0.10, 0.14));
        Assert.Equal(2, StopEpoch(Settings(1, 0.05), 0.10, 0.14));
        Assert.Equal(2, StopEpoch(Settings(1, 0.0625), 0.5, 0.5625)); // exact in binary: equal to the reference + delta is not more
        // The reference moves only on an improvement: 0.12 and 0.14 each beat the last by 0.02 but never 0.10 by more than 0.05.
        var stopping = EarlyStopping.Replay(Settings(3, 0.05), [Epoch(1, 0.10), Epoch(2, 0.12), Epoch(3, 0.14)]);
        Assert.Equal((0.10, 2), (stopping.Reference, stopping.ValidationsWithoutImprovement));
        Assert.Equal(4, StopEpoch(Settings(3, 0.05), 0.10, 0.12, 0.14, 0.149));
        Assert.Equal(0, StopEpoch(Settings(3, 0.05), 0.10, 0.12, 0.14, 0.16)); // 0.16 > 0.15: the count starts again
    }

    [Fact]
    public void EpochsWithoutValidation_AndNaN_CountAsTheRuleSays()
    {
        // validation_step 2: only even epochs validate; patience counts validations, not epochs.
        Assert.Equal(6, StopEpoch(Settings(2), null, 0.3, null, 0.2, null, 0.25, null));
        Assert.Equal(2, StopEpoch(Settings(1), 0.3, double.NaN)); // a NaN never improves
        var early = EarlyStopping.Replay(Settings(2), [Epoch(1, 0.3), Epoch(2, 0.2), Epoch(3, 0.1)]).Outcome(3, bestEpoch: 1);
        Assert.Equal((TrainingStop.EarlyStopping, 3), (early.Reason, early.Epoch));
        Assert.Contains("after epoch 3", early.Description);
        Assert.Contains("0.3000", early.Description);
        Assert.Contains("for 2 validations in a row", early.Description);
        Assert.Contains("the best epoch, 1, is kept", early.Description);
        var completed = EarlyStopping.Replay(Settings(2), [Epoch(1, 0.3), Epoch(2, 0.2)]).Outcome(2, bestEpoch: 1);
        Assert.Equal((TrainingStop.Completed, 2), (completed.Reason, completed.Epoch));
    }

    [Fact]
    public void EarlyStoppingSettings_MayChangeOnResumption()
    {
        var config = ModelRegistry.ConfigLoader.Defaults;
        var withPatience = config with { Training = config.Training with { EarlyStoppingPatience = 3, EarlyStoppingMinDelta = 0.01 } };
        Assert.Equal(ResumeCheck.Key(config), ResumeCheck.Key(withPatience));
        Assert.NotEqual(ResumeCheck.Key(config), ResumeCheck.Key(config with { Training = config.Training with { LearningRate = 0.5 } }));
    }

    private static VaeConfig MultVae(int? patience, double minDelta = 0, int checkpointStep = 1) => ModelRegistry.ConfigLoader.Defaults with
    {
        Seed = 11,
        Model = new ModelConfig { Type = "vae", EncoderDims = [32, 8] },
        Training = new TrainingConfig
        {
            Epochs = 15, BatchSize = 64, LearningRate = 0.03, TotalAnnealSteps = 20, Lam = 0.0001, Threads = 1,
            CheckpointStep = checkpointStep, EarlyStoppingPatience = patience, EarlyStoppingMinDelta = minDelta,
        },
        Evaluation = new EvaluationConfig { BatchSize = 16 },
    };

    /// <summary>Where the rule, applied by hand to a run's validations, stops it; 0 if it never does.</summary>
    private static int ExpectedStop(IReadOnlyList<EpochRecord> history, int patience, double minDelta)
    {
        double reference = double.NegativeInfinity;
        int without = 0;
        foreach (var record in history)
        {
            if (record.ValidationNdcgAt100 is not double ndcg) continue;
            if (ndcg > reference + minDelta) (reference, without) = (ndcg, 0);
            else if (++without == patience) return record.Epoch;
        }
        return 0;
    }

    private static (double Loss, double? Ndcg)[] Trace(IEnumerable<EpochRecord> history) => history.Select(e => (e.Loss, e.ValidationNdcgAt100)).ToArray();

    [Theory]
    [InlineData(2, 0.0)]
    [InlineData(1, 0.01)]
    public void MultVae_StopsWhereItsValidationsSay_AndKeepsTheBestEpoch(int patience, double minDelta)
    {
        var data = TinyDatasets.Grouped();
        TrainingOutcome straight;
        using (var trainer = new Trainer(MultVae(patience: null), data.ItemCount))
            straight = trainer.Fit(data, null, false, null, TestContext.Current.CancellationToken);
        Assert.Equal(TrainingStop.Completed, straight.Stop.Reason);
        int expected = ExpectedStop(straight.History, patience, minDelta);
        Assert.InRange(expected, 2, 14); // the run must stop before its last epoch for this test to mean anything

        // checkpoint_step 100: the checkpoint at the stop is written because training stops there.
        string folder = _scratch.Combine($"vae-{patience}");
        using var early = new Trainer(MultVae(patience, minDelta, checkpointStep: 100), data.ItemCount);
        var outcome = early.Fit(data, folder, false, null, TestContext.Current.CancellationToken);

        Assert.Equal((TrainingStop.EarlyStopping, expected), (outcome.Stop.Reason, outcome.Stop.Epoch));
        Assert.Equal(Trace(straight.History.Take(expected)), Trace(outcome.History));
        var prefix = straight.History.Take(expected).ToList();
        int bestEpoch = prefix.MaxBy(e => e.ValidationNdcgAt100!.Value)!.Epoch;
        Assert.Equal(bestEpoch, outcome.BestEpoch);
        Assert.Equal(straight.History[bestEpoch - 1].ValidationNdcgAt100!.Value, early.Validate(data.Validation), 6); // the best epoch's weights
        Assert.Equal(expected, Checkpoint.ReadState(Path.Combine(folder, Checkpoint.LastName)).Epoch);
    }

    [Fact]
    public void MultVae_ResumedRun_StopsAtTheSameEpoch_AndAStoppedRunTrainsNoFurther_UnlessEarlyStoppingIsTurnedOff()
    {
        var data = TinyDatasets.Grouped();
        const int patience = 2;
        TrainingOutcome straight, uninterrupted;
        using (var trainer = new Trainer(MultVae(patience: null), data.ItemCount))
            straight = trainer.Fit(data, null, false, null, TestContext.Current.CancellationToken);
        using (var trainer = new Trainer(MultVae(patience), data.ItemCount))
            uninterrupted = trainer.Fit(data, null, false, null, TestContext.Current.CancellationToken);
        int stop = uninterrupted.Stop.Epoch;
        Assert.Equal(TrainingStop.EarlyStopping, uninterrupted.Stop.Reason);
        Assert.InRange(stop, patience + 1, 14);

        // Interrupted after the epoch before the stop, which (patience 2) was already one without improvement.
        string folder = _scratch.Combine("vae-resume");
        using (var cancel = new CancellationTokenSource())
        using (var trainer = new Trainer(MultVae(patience), data.ItemCount))
            Assert.ThrowsAny<OperationCanceledException>(() => trainer.Fit(data, folder, false,
                new SyncProgress(p => { if (p.EpochCompleted?.Epoch == stop - 1) cancel.Cancel(); }), cancel.Token));
        Assert.Equal(stop - 1, Checkpoint.ReadState(Path.Combine(folder, Checkpoint.LastName)).Epoch);

        TrainingOutcome resumed;
        using (var trainer = new Trainer(MultVae(patience), data.ItemCount))
        {
            resumed = trainer.Fit(data, folder, true, null, TestContext.Current.CancellationToken);
            Assert.Equal(uninterrupted.BestValidationNdcg, trainer.Validate(data.Validation), 6);
        }
        Assert.Equal((TrainingStop.EarlyStopping, stop), (resumed.Stop.Reason, resumed.Stop.Epoch));
        Assert.Equal(Trace(uninterrupted.History), Trace(resumed.History));
        Assert.Equal(uninterrupted.BestEpoch, resumed.BestEpoch);

        // Resumed once more (with more epochs allowed): it had stopped, so nothing trains; the best weights load from the folder.
        var epochsTrained = new List<int>();
        using (var trainer = new Trainer(MultVae(patience) with { Training = MultVae(patience).Training with { Epochs = 30 } }, data.ItemCount))
        {
            var again = trainer.Fit(data, folder, true, new SyncProgress(p => { if (p.EpochCompleted is { } e) epochsTrained.Add(e.Epoch); }), TestContext.Current.CancellationToken);
            Assert.Empty(epochsTrained);
            Assert.Equal((TrainingStop.EarlyStopping, stop), (again.Stop.Reason, again.Stop.Epoch));
            Assert.Equal(uninterrupted.BestValidationNdcg, trainer.Validate(data.Validation), 6);
        }

        // With early stopping off, the same checkpoint trains on to the last epoch, as the run that never stopped.
        using (var trainer = new Trainer(MultVae(patience: null), data.ItemCount))
        {
            var onwards = trainer.Fit(data, folder, true, null, TestContext.Current.CancellationToken);
            Assert.Equal(TrainingStop.Completed, onwards.Stop.Reason);
            Assert.Equal(Trace(straight.History), Trace(onwards.History));
        }
    }

    private static VaeConfig RecVae(int? patience) => ModelRegistry.ConfigLoader.Parse($$"""
        seed: 5
        data: { dataset: synthetic, positive_threshold: null }
        model: { type: recvae, encoder_dims: [32, 8], dropout: 0.5 }
        training: { epochs: 12, batch_size: 64, learning_rate: 0.01, checkpoint_step: 1, threads: 1{{(patience is int p ? $", early_stopping_patience: {p}" : "")}} }
        """, "/configs/recvae.yaml");

    [Fact]
    public void RecVae_StopsWhereItsValidationsSay_AndResumesToTheSameEpoch()
    {
        var data = TinyDatasets.Grouped();
        const int patience = 1;
        TrainingOutcome straight;
        using (var trainer = new RecVaeTrainer(RecVae(patience: null), data.ItemCount))
            straight = trainer.Fit(data, null, false, null, TestContext.Current.CancellationToken);
        int expected = ExpectedStop(straight.History, patience, 0);
        Assert.InRange(expected, 2, 11);

        string folder = _scratch.Combine("recvae");
        using (var cancel = new CancellationTokenSource())
        using (var trainer = new RecVaeTrainer(RecVae(patience), data.ItemCount))
            Assert.ThrowsAny<OperationCanceledException>(() => trainer.Fit(data, folder, false,
                new SyncProgress(p => { if (p.EpochCompleted?.Epoch == expected - 1) cancel.Cancel(); }), cancel.Token));

        using var resumed = new RecVaeTrainer(RecVae(patience), data.ItemCount);
        var outcome = resumed.Fit(data, folder, true, null, TestContext.Current.CancellationToken);
        Assert.Equal((TrainingStop.EarlyStopping, expected), (outcome.Stop.Reason, outcome.Stop.Epoch));
        Assert.Equal(Trace(straight.History.Take(expected)), Trace(outcome.History));
        int bestEpoch = straight.History.Take(expected).MaxBy(e => e.ValidationNdcgAt100!.Value)!.Epoch;
        Assert.Equal(bestEpoch, outcome.BestEpoch);
        Assert.Equal(straight.History[bestEpoch - 1].ValidationNdcgAt100!.Value, resumed.Validate(data.Validation), 6);
    }

    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}

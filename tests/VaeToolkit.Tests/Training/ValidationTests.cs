using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.Metrics;
using VaeToolkit.Training;
using VaeToolkit.Training.Model;
using VaeToolkit.Training.Models;
using static TorchSharp.torch;

namespace VaeToolkit.Tests.Training;

/// <summary>The trainer's validation, computed on the device, against the toolkit's host metrics.</summary>
public sealed class ValidationTests
{
    private static VaeConfig Config(int evaluationBatch) => ModelRegistry.ConfigLoader.Defaults with
    {
        Seed = 5,
        Model = new ModelConfig { EncoderDims = [32, 8] },
        Training = new TrainingConfig { Epochs = 3, BatchSize = 64, LearningRate = 0.01, TotalAnnealSteps = 20, Lam = 0.0001, Threads = 1 },
        Evaluation = new EvaluationConfig { BatchSize = evaluationBatch },
    };

    [Theory]
    [InlineData(60, 7)]    // fewer items than NDCG's depth of 100: every item is ranked
    [InlineData(160, 16)]
    [InlineData(160, 500)] // one batch
    public void Validate_MatchesRankingMetricsOnTheHost(int items, int evaluationBatch)
    {
        var data = WithUsersWithoutTargets(TinyDatasets.Grouped(items: items, heldout: 45));
        using var trainer = new Trainer(Config(evaluationBatch), data.ItemCount);
        trainer.Fit(data, checkpointFolder: null, resume: false, progress: null, CancellationToken.None);

        double expected = HostNdcg(trainer.Model, data.Validation);
        Assert.InRange(expected, 0.05, 0.95); // neither no hits nor all: the comparison means something
        Assert.Equal(expected, trainer.Validate(data.Validation), 1e-12);
    }

    [Fact]
    public void Validate_AnotherSetOfUsers_ScoresThoseUsers()
    {
        var data = TinyDatasets.Grouped(items: 120, heldout: 30);
        using var trainer = new Trainer(Config(8), data.ItemCount);
        trainer.Fit(data, checkpointFolder: null, resume: false, progress: null, CancellationToken.None);

        // The first call keeps the validation users' batches on the device; the test users need their own.
        Assert.Equal(HostNdcg(trainer.Model, data.Validation), trainer.Validate(data.Validation), 1e-12);
        Assert.Equal(HostNdcg(trainer.Model, data.Test), trainer.Validate(data.Test), 1e-12);
        Assert.Equal(HostNdcg(trainer.Model, data.Validation), trainer.Validate(data.Validation), 1e-12);
    }

    [Fact]
    public void Validate_InACallersDisposeScope_KeepsItsBatchesForTheNextValidation()
    {
        var data = TinyDatasets.Grouped();
        using var trainer = new Trainer(Config(16), data.ItemCount);
        double first;
        using (NewDisposeScope())
            first = trainer.Validate(data.Validation);
        Assert.Equal(first, trainer.Validate(data.Validation)); // the scope's end freed none of the kept batches
    }

    [Fact]
    public void Validate_UsersWithoutTargets_IsNaN()
    {
        var data = TinyDatasets.Grouped();
        var users = data.Validation with { Targets = CsrMatrix.FromRows(Enumerable.Range(0, data.Validation.Count).Select(_ => Array.Empty<int>()).ToList(), data.ItemCount) };
        using var trainer = new Trainer(Config(16), data.ItemCount);
        Assert.True(double.IsNaN(trainer.Validate(users)));
    }

    /// <summary>The reference: one user at a time, fold-in items out of the ranking, the host's metrics.</summary>
    private static double HostNdcg(MultVae model, HeldOutUsers users)
    {
        model.eval();
        using var noGrad = no_grad();
        var accumulator = new RankingMetricsAccumulator();
        int depth = Math.Min(RankingMetricsAccumulator.Depth, model.ItemCount);
        for (int u = 0; u < users.Count; u++)
        {
            using var scope = NewDisposeScope();
            using var batch = HistoryBatch.Create(users.FoldIn, [u], CPU);
            float[] scores = model.call(batch.ItemIndices, batch.BagOffsets, batch.NormWeights).data<float>().ToArray();
            foreach (int item in users.FoldIn.Row(u)) scores[item] = float.NegativeInfinity;
            int[] ranked = Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).Take(depth).ToArray();
            accumulator.Add(ranked, users.Targets.Row(u));
        }
        return accumulator.NdcgAt100;
    }

    /// <summary>The data with every fifth validation user's targets removed: they must not count.</summary>
    private static PreparedDataset WithUsersWithoutTargets(PreparedDataset data)
    {
        var targets = Enumerable.Range(0, data.Validation.Count)
            .Select(u => u % 5 == 2 ? [] : data.Validation.Targets.Row(u).ToArray()).ToList();
        return data with { Validation = data.Validation with { Targets = CsrMatrix.FromRows(targets, data.ItemCount) } };
    }
}

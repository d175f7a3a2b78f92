using VaeToolkit.Data;
using VaeToolkit.Metrics;
using VaeToolkit.Training.Model;
using VaeToolkit.Training.Models.RecVae;
using static TorchSharp.torch;

namespace VaeToolkit.Tests.Training.RecVae;

public sealed class RecVaeStepTests
{
    private static CsrMatrix RandomHistories(int users, int items, int seed)
    {
        var random = new Random(seed);
        var rows = Enumerable.Range(0, users).Select(_ => Enumerable.Range(0, random.Next(2, 8)).Select(_ => random.Next(items)).ToArray()).ToList();
        return CsrMatrix.FromRows(rows, items);
    }

    private static Dictionary<string, Tensor> Snapshot(TorchSharp.torch.nn.Module module) =>
        module.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

    private static void AssertAllChanged(Dictionary<string, Tensor> before, TorchSharp.torch.nn.Module module, string what)
    {
        foreach (var (name, parameter) in module.named_parameters())
            Assert.False(parameter.eq(before[name]).all().item<bool>(), $"{what}: {name} did not change");
    }

    private static void AssertNoneChanged(Dictionary<string, Tensor> before, TorchSharp.torch.nn.Module module, string what)
    {
        foreach (var (name, parameter) in module.named_parameters())
            Assert.True(parameter.eq(before[name]).all().item<bool>(), $"{what}: {name} changed");
    }

    [Fact]
    public void EncoderPhase_UpdatesOnlyTheEncoder_DecoderPhaseOnlyTheDecoder_ThenThePriorIsRefreshed()
    {
        manual_seed(13);
        var data = RandomHistories(users: 40, items: 30, seed: 3);
        var settings = new RecVaeSettings { HiddenDim = 16, LatentDim = 4, BatchSize = 10, EncoderEpochs = 2, DecoderEpochs = 1, LearningRate = 1e-2 };
        using var network = new RecVaeNetwork(30, settings);
        using var prior = CompositePrior.For(network, settings);
        using var step = new RecVaeStep(network, prior, settings);
        using var generator = new Generator(17);
        var random = new Random(1);

        var encoder0 = Snapshot(network.Encoder);
        var decoder0 = Snapshot(network.Decoder);
        var old0 = Snapshot(prior.OldEncoder);

        step.RunEncoderPass(RecVaeStep.ShuffledBatches(data, settings.BatchSize, random), generator);
        AssertAllChanged(encoder0, network.Encoder, "encoder phase");
        AssertNoneChanged(decoder0, network.Decoder, "encoder phase");
        AssertNoneChanged(old0, prior.OldEncoder, "encoder phase");
        Assert.All(network.parameters(), p => Assert.True(p.requires_grad));

        var encoder1 = Snapshot(network.Encoder);
        step.RunDecoderPass(RecVaeStep.ShuffledBatches(data, settings.BatchSize, random), generator);
        AssertAllChanged(decoder0, network.Decoder, "decoder phase");
        AssertNoneChanged(encoder1, network.Encoder, "decoder phase");
        AssertNoneChanged(old0, prior.OldEncoder, "decoder phase");
        Assert.All(network.parameters(), p => Assert.True(p.requires_grad));

        // A whole epoch: 2 encoder passes, the refresh, 1 decoder pass; the old encoder ends equal to the encoder.
        int passes = 0;
        var result = step.RunEpoch(() => { passes++; return RecVaeStep.ShuffledBatches(data, settings.BatchSize, random); }, generator);
        Assert.Equal(3, passes);
        Assert.Equal(2, result.EncoderPassLosses.Count);
        Assert.Single(result.DecoderPassLosses);
        Assert.All(result.EncoderPassLosses.Concat(result.DecoderPassLosses), loss => Assert.True(double.IsFinite(loss)));
        var encoder = network.Encoder.state_dict();
        foreach (var (name, value) in prior.OldEncoder.state_dict())
            Assert.True(value.eq(encoder[name]).all().item<bool>(), $"old encoder {name} is not the encoder's");
        Assert.All(prior.parameters(), p => Assert.False(p.requires_grad));
    }

    [Fact]
    public void RunEpoch_RefreshesThePriorAfterTheEncoderPasses_BeforeTheDecoderPasses()
    {
        manual_seed(14);
        var data = RandomHistories(users: 20, items: 15, seed: 4);
        var settings = new RecVaeSettings { HiddenDim = 8, LatentDim = 3, BatchSize = 10, EncoderEpochs = 1, DecoderEpochs = 2, LearningRate = 1e-2 };
        using var network = new RecVaeNetwork(15, settings);
        using var prior = CompositePrior.For(network, settings);
        using var step = new RecVaeStep(network, prior, settings);
        var random = new Random(2);
        int passes = 0;
        bool priorWasFreshAtDecoderPasses = true;
        step.RunEpoch(() =>
        {
            passes++;
            if (passes > settings.EncoderEpochs)
            {
                var encoder = network.Encoder.state_dict();
                priorWasFreshAtDecoderPasses &= prior.OldEncoder.state_dict().All(kv => kv.Value.eq(encoder[kv.Key]).all().item<bool>());
            }
            return RecVaeStep.ShuffledBatches(data, settings.BatchSize, random);
        });
        Assert.True(priorWasFreshAtDecoderPasses);
    }

    [Fact]
    public void AFewEpochs_LowerTheLoss_AndRankBetterThanRandom()
    {
        manual_seed(7);
        var data = TinyDatasets.Grouped();
        var settings = new RecVaeSettings { HiddenDim = 64, LatentDim = 16, BatchSize = 50, LearningRate = 3e-3 };
        using var network = new RecVaeNetwork(data.ItemCount, settings);
        using var prior = CompositePrior.For(network, settings);
        using var step = new RecVaeStep(network, prior, settings);
        var random = new Random(5);

        double TrainLoss()
        {
            // The same users, the same noise, no dropout: a deterministic negative ELBO.
            using var generator = new Generator(99);
            using var batch = HistoryBatch.Create(data.Train, [.. Enumerable.Range(0, data.Train.RowCount)], CPU);
            using var noGrad = no_grad();
            return RecVaeObjective.Evaluate(network, prior, batch, 0, generator, settings.Gamma, settings.Beta).NegativeElbo.item<float>();
        }

        double untrainedNdcg = Ndcg(network, data.Validation);
        prior.UpdateFrom(network); // compare the losses against the same kind of prior: the current posterior
        double before = TrainLoss();
        using var generator = new Generator(23);
        for (int epoch = 0; epoch < 8; epoch++)
            step.RunEpoch(() => RecVaeStep.ShuffledBatches(data.Train, settings.BatchSize, random), generator);
        double after = TrainLoss();
        double ndcg = Ndcg(network, data.Validation);
        double randomNdcg = RandomNdcg(data.Validation, data.ItemCount);

        Assert.True(after < before - 1, $"loss {before:F3} -> {after:F3}");
        Assert.True(ndcg > randomNdcg + 0.15 && ndcg > untrainedNdcg + 0.1, $"NDCG@10 {ndcg:F3}; random {randomNdcg:F3}, untrained {untrainedNdcg:F3}");
    }

    private const int K = 10;

    /// <summary>Mean NDCG@10 of the network's ranking of the items outside each user's fold-in.</summary>
    private static double Ndcg(RecVaeNetwork network, HeldOutUsers users)
    {
        network.eval();
        using var noGrad = no_grad();
        int[] rows = [.. Enumerable.Range(0, users.FoldIn.RowCount)];
        using var batch = HistoryBatch.Create(users.FoldIn, rows, CPU);
        using var logits = network.call(batch.ItemIndices, batch.BagOffsets, batch.NormWeights);
        float[] scores = logits.data<float>().ToArray();
        int items = network.ItemCount;
        double sum = 0;
        foreach (int u in rows)
        {
            var seen = users.FoldIn.Row(u).ToArray();
            int[] ranked = [.. Enumerable.Range(0, items).Where(i => Array.IndexOf(seen, i) < 0).OrderByDescending(i => scores[u * items + i])];
            sum += RankingMetrics.NdcgAtK(ranked, users.Targets.Row(u), K);
        }
        network.train();
        return sum / rows.Length;
    }

    /// <summary>Mean NDCG@10 of random rankings of the items outside each fold-in (averaged over 50 shuffles).</summary>
    private static double RandomNdcg(HeldOutUsers users, int items)
    {
        var random = new Random(8);
        double sum = 0;
        int count = 0;
        for (int repeat = 0; repeat < 50; repeat++)
            for (int u = 0; u < users.FoldIn.RowCount; u++)
            {
                var seen = users.FoldIn.Row(u).ToArray();
                int[] ranked = [.. Enumerable.Range(0, items).Where(i => Array.IndexOf(seen, i) < 0)];
                random.Shuffle(ranked);
                sum += RankingMetrics.NdcgAtK(ranked, users.Targets.Row(u), K);
                count++;
            }
        return sum / count;
    }
}

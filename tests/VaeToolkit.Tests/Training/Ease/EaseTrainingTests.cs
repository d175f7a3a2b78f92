using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.Inference;
using VaeToolkit.Orchestration.Runs;
using VaeToolkit.Runs;
using VaeToolkit.Training.Models;
using VaeToolkit.Training.Models.Ease;
using static TorchSharp.torch;

namespace VaeToolkit.Tests.Training.Ease;

public sealed class EaseTrainingTests : IDisposable
{
    private readonly TemporaryDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static VaeConfig Config(string ease = "{ lambda_grid: [1, 30, 3000] }", string precision = "fp32") => ModelRegistry.ConfigLoader.Parse($$"""
        seed: 3
        data:
          dataset: synthetic
          positive_threshold: null
          heldout_users: 60
          synthetic: { users: 600, items: 200, tastes: 4, mean_items_per_user: 20 }
        model: { type: ease, ease: {{ease}} }
        training: { threads: 1 }
        export: { precision: {{precision}} }
        """, "/configs/ease.yaml");

    [Fact]
    public void Fit_TriesEveryLambda_AndKeepsTheBestOnValidation()
    {
        var data = TinyDatasets.Grouped();
        using var trainer = new EaseTrainer(Config(), data.ItemCount);
        var outcome = trainer.Fit(data, null, false, null, TestContext.Current.CancellationToken);

        Assert.Equal([1.0, 30.0, 3000.0], outcome.History.Select(record => record.Settings!["lambda"]));
        var best = outcome.History.MaxBy(record => record.ValidationNdcgAt100)!;
        Assert.Equal(best.Epoch, outcome.BestEpoch);
        Assert.Equal(best.ValidationNdcgAt100, outcome.BestValidationNdcg);
        Assert.Equal(best.Settings!["lambda"], trainer.Shape.Hyperparameters!["lambda"]);
        Assert.Null(trainer.Shape.LatentDim);
        // The grouped users are predictable: far better than popularity's ~0.3, and λ matters.
        Assert.True(outcome.BestValidationNdcg > 0.5, $"validation NDCG@100 {outcome.BestValidationNdcg}");
        Assert.NotEqual(outcome.History[0].ValidationNdcgAt100, outcome.History[2].ValidationNdcgAt100);
    }

    [Fact]
    public void TrainingJob_ExportsARecommenderGraphThatScoresAsB_AndNoEncoder()
    {
        var config = Config("{ lambda: 25 }");
        var result = TrainingJob.Run(new TrainingRequest(config, _scratch.Combine("run")), cancellationToken: TestContext.Current.CancellationToken);

        Assert.False(File.Exists(Path.Combine(result.ModelPath, ModelFiles.Encoder)));
        Assert.True(File.Exists(Path.Combine(result.ModelPath, ModelFiles.ItemEmbeddings)));
        var bundle = ModelBundle.Open(result.RunPath);
        Assert.Equal(ModelTypes.Ease, bundle.Card.ModelType);
        Assert.Null(bundle.Card.LatentDim);
        Assert.Equal(25, bundle.Card.Hyperparameters!["lambda"]);
        Assert.Equal(600 - 120, bundle.Card.TrainUsers);
        Assert.Equal(60, bundle.Card.ValidationUsers);

        // The graph's scores are the sums of B's rows, B solved here on its own from the same data.
        var data = DatasetLoader.Load(config, null, TestContext.Current.CancellationToken);
        using var gram = EaseSolver.Gram(data.Train, data.Train.RowCount, CPU, TestContext.Current.CancellationToken);
        using var b = EaseSolver.Solve(gram, 25);
        double[] weights = b.data<double>().ToArray();
        int items = data.ItemCount;
        using var recommender = OnnxRecommender.Open(result.ModelPath);
        Assert.False(recommender.HasEncoder);
        var top = recommender.Recommend(bundle.Test.FoldIn.SelectRows([0, 1, 2]), 10);
        for (int u = 0; u < 3; u++)
        {
            var seen = bundle.Test.FoldIn.Row(u).ToArray();
            double[] expected = [.. Enumerable.Range(0, items).Where(i => !seen.Contains(i))
                .Select(i => seen.Sum(s => weights[s * items + i])).OrderDescending().Take(10)];
            for (int r = 0; r < 10; r++)
            {
                Assert.Equal(expected[r], top.Scores(u)[r], 4);
                Assert.DoesNotContain(top.Items(u)[r], seen);
            }
        }

        var error = Assert.Throws<NotSupportedException>(() => recommender.Encode(bundle.Test.FoldIn));
        Assert.Contains("no latent space", error.Message);

        // The test users were scored through ONNX Runtime as the solver scores them.
        var direct = EaseSolver.Score(b, data.Test.FoldIn, data.Test.Targets, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(direct.NdcgAt100, result.Test.NdcgAt100, 3);
    }

    [Fact]
    public void Config_RefusesInt8ForEase()
    {
        var error = Assert.Throws<ConfigException>(() => Config(precision: "int8"));
        Assert.Contains("int8", error.Message);
    }

    [Fact]
    public void Registry_BuildsEveryConfigurableType_AndNamesTheKnownOnesForAnUnknownType()
    {
        // The registry's loader accepts each of its types, and a config of each builds its trainer.
        foreach (var definition in ModelRegistry.All)
        {
            var config = ModelRegistry.ConfigLoader.Parse($"model: {{ type: {definition.Type}, encoder_dims: [8, 4] }}", "x.yaml");
            using var trainer = ModelRegistry.Create(config, 20);
            Assert.Equal(definition.Type, config.Model.Type);
        }
        var error = Assert.Throws<ArgumentException>(() => ModelRegistry.Find("slim"));
        Assert.Contains("vae, dae, ease, recvae", error.Message);
        var configError = Assert.Throws<ConfigException>(() => ModelRegistry.ConfigLoader.Parse("model: { type: slim }", "x.yaml"));
        Assert.Contains("ease", configError.Message);
    }
}

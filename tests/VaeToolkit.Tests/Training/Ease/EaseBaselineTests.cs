using System.Text.Json.Nodes;
using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.Inference;
using VaeToolkit.Orchestration.Baselines;
using VaeToolkit.Orchestration.Runs;
using VaeToolkit.Runs;
using VaeToolkit.Training.Models;
using VaeToolkit.Training.Models.Ease;
using static TorchSharp.torch;

namespace VaeToolkit.Tests.Training.Ease;

public sealed class EaseBaselineTests : IDisposable
{
    private readonly TemporaryDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static VaeConfig Config(string type = "vae") => ModelRegistry.ConfigLoader.Parse($$"""
        seed: 5
        data:
          dataset: synthetic
          positive_threshold: null
          heldout_users: 60
          synthetic: { users: 600, items: 150, tastes: 4, mean_items_per_user: 20 }
        model: { type: {{type}}, encoder_dims: [16, 4] }
        training: { epochs: 1, batch_size: 100, threads: 1 }
        """, "/configs/baseline.yaml");

    [Fact]
    public void AddTo_FitsEaseOnTheModelsTrainingUsers_AndScoresTheSameTestUsers()
    {
        var config = Config();
        var run = TrainingJob.Run(new TrainingRequest(config, _scratch.Combine("run")), cancellationToken: TestContext.Current.CancellationToken);
        var bundle = ModelBundle.Open(run.RunPath);
        var report = ModelEvaluator.Evaluate(bundle, cancellationToken: TestContext.Current.CancellationToken);

        var withBaseline = EaseBaseline.AddTo(report, bundle, "cpu", cancellationToken: TestContext.Current.CancellationToken);

        var ease = withBaseline.EaseBaseline!;
        Assert.Null(withBaseline.EaseBaselineNote);
        Assert.Equal(report with { EaseBaseline = ease }, withBaseline); // the model's own figures are untouched
        Assert.Equal(report.Users, ease.Users);
        double lambda = ease.Settings!["lambda"];
        Assert.Contains(lambda, EaseBaseline.LambdaGrid);

        // Independently: EASE with that λ on the prepared data's training users, scored on its test users.
        var data = DatasetLoader.Load(config, null, TestContext.Current.CancellationToken);
        using var gram = EaseSolver.Gram(data.Train, data.Train.RowCount, CPU, TestContext.Current.CancellationToken);
        using var b = EaseSolver.Solve(gram, lambda);
        var direct = EaseSolver.Score(b, data.Test.FoldIn, data.Test.Targets, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(direct.NdcgAt100, ease.NdcgAt100, 12);
        Assert.Equal(direct.RecallAt20, ease.RecallAt20, 12);
        Assert.True(ease.NdcgAt100 > report.PopularityNdcgAt100, $"EASE {ease.NdcgAt100} against popularity {report.PopularityNdcgAt100}");
    }

    [Fact]
    public void AddTo_SaysWhyThereIsNone()
    {
        var run = TrainingJob.Run(new TrainingRequest(Config("ease"), _scratch.Combine("ease")), cancellationToken: TestContext.Current.CancellationToken);
        var bundle = ModelBundle.Open(run.RunPath);
        var report = EaseBaseline.AddTo(run.Test, bundle, "cpu", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Null(report.EaseBaseline);
        Assert.Contains("the model is EASE itself", report.EaseBaselineNote);

        // A card written before the training users were recorded: no baseline, and the note says what to do.
        var vae = TrainingJob.Run(new TrainingRequest(Config(), _scratch.Combine("vae")), cancellationToken: TestContext.Current.CancellationToken);
        string cardPath = Path.Combine(vae.ModelPath, ModelFiles.Card);
        var card = JsonNode.Parse(File.ReadAllText(cardPath))!.AsObject();
        card.Remove("train_users");
        File.WriteAllText(cardPath, card.ToJsonString());
        var old = EaseBaseline.AddTo(vae.Test, ModelBundle.Open(vae.RunPath), "cpu", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Null(old.EaseBaseline);
        Assert.Contains("does not record its training users", old.EaseBaselineNote);
    }

    [Fact]
    public void SplitAgain_HoldsOutAFifthOfEachUsersItems_TheSameEveryTime()
    {
        var histories = CsrMatrix.FromRows([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2], [3]], 10);
        var first = EaseBaseline.SplitAgain(histories, 0, 3);
        var second = EaseBaseline.SplitAgain(histories, 0, 3);
        Assert.Equal(first.Targets.Indices, second.Targets.Indices);
        Assert.Equal([2, 1, 0], Enumerable.Range(0, 3).Select(first.Targets.RowLength));
        for (int u = 0; u < 3; u++)
            Assert.Equal(histories.Row(u).ToArray(), first.FoldIn.Row(u).ToArray().Concat(first.Targets.Row(u).ToArray()).Order());
    }
}

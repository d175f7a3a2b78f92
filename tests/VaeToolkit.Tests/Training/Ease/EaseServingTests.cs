using VaeToolkit.Configuration;
using VaeToolkit.Inference;
using VaeToolkit.Runs;
using VaeToolkit.Tests.Inference;
using VaeToolkit.Tests.Serving;
using VaeToolkit.Orchestration.Runs;
using VaeToolkit.Training.Models;

namespace VaeToolkit.Tests.Training.Ease;

/// <summary>The service knows only the graphs' contract: an EASE model (no encoder graph) serves like any other.</summary>
public sealed class EaseServingTests : IDisposable
{
    private readonly TemporaryDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task Service_AnswersWithTheGraphsTopK_SimilarItems_AndTheCard()
    {
        var config = ModelRegistry.ConfigLoader.Parse("""
            seed: 4
            data:
              dataset: synthetic
              positive_threshold: null
              heldout_users: 40
              synthetic: { users: 400, items: 120, tastes: 4, mean_items_per_user: 15 }
            model: { type: ease, ease: { lambda: 10 } }
            """, "/configs/ease-serving.yaml");
        var run = TrainingJob.Run(new TrainingRequest(config, _scratch.Combine("run")), cancellationToken: TestContext.Current.CancellationToken);
        var bundle = ModelBundle.Open(run.ModelPath);
        await using var host = await ServiceHost.StartAsync(TestModel.Create(), owned: true, modelPath: run.ModelPath);

        string userId = bundle.UserIds[5];
        var (status, _, body) = await host.PostAsync("/v1/recommendations", $$"""{"user_id": "{{userId}}", "k": 6}""");
        Assert.Equal(200, status);
        using var recommender = OnnxRecommender.Open(run.ModelPath);
        var expected = recommender.Recommend(bundle.UserHistories.SelectRows([5]), 6).Items(0).ToArray();
        Assert.Equal(expected.Select(item => bundle.Items.Ids[item]), ServiceHost.Ids(body!["items"]));

        string itemId = bundle.Items.Ids[3];
        var similar = await host.GetAsync($"/v1/items/{itemId}/similar?k=4");
        Assert.Equal(200, similar.Status);
        var neighbours = ServiceHost.Ids(similar.Body!["items"]);
        Assert.Equal(4, neighbours.Length);
        Assert.DoesNotContain(itemId, neighbours);

        var model = await host.GetAsync("/v1/model");
        Assert.Equal("ease", (string?)model.Body!["card"]!["model_type"]);
        Assert.Equal(10.0, (double)model.Body["card"]!["hyperparameters"]!["lambda"]!);
    }
}

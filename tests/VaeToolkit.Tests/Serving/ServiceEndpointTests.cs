using System.Globalization;
using System.Text.Json.Nodes;
using VaeToolkit.Tests.Inference;

namespace VaeToolkit.Tests.Serving;

/// <summary>The other endpoints: similar items, the model card, health, metrics, the OpenAPI document.</summary>
public sealed class ServiceEndpointTests : IAsyncLifetime
{
    private ServiceHost host = null!;

    public async ValueTask InitializeAsync() => host = await ServiceHost.StartAsync();

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task SimilarItems_AreTheNearestByCosineOfTheOutputLayer()
    {
        var (status, _, body) = await host.GetAsync("/v1/items/m35/similar?k=4");

        Assert.Equal(200, status);
        // Item 5's vector is column 5 of the decoder's output layer.
        var output = host.Model.Weights.Decoder[^1];
        double[] Vector(int item) => [.. Enumerable.Range(0, output.Inputs).Select(j => (double)output.Weight[j * output.Outputs + item])];
        double Cosine(double[] a, double[] b) => a.Zip(b, (x, y) => x * y).Sum() / Math.Sqrt(a.Sum(x => x * x) * b.Sum(x => x * x));
        double[] target = Vector(5);
        var expected = Enumerable.Range(0, TestModel.Items).Where(item => item != 5)
            .Select(item => (Item: item, Similarity: Cosine(target, Vector(item))))
            .OrderByDescending(pair => pair.Similarity).Take(4).ToArray();
        Assert.Equal(expected.Select(pair => TestModel.ItemIds[pair.Item]), ServiceHost.Ids(body!["items"]));
        Assert.Equal(expected[0].Similarity, (double)body["items"]![0]!["score"]!, 4);
        Assert.Equal("m35", (string?)body["item_id"]);
    }

    [Fact]
    public async Task SimilarItems_OfAnUnknownItem_Is404()
    {
        var (status, contentType, body) = await host.GetAsync("/v1/items/zzz/similar");

        Assert.Equal(404, status);
        Assert.Equal("application/problem+json", contentType);
        Assert.Contains("'zzz'", (string?)body!["detail"]);
    }

    [Fact]
    public async Task Model_DescribesTheServedVersionWithItsCard()
    {
        var (status, _, body) = await host.GetAsync("/v1/model");

        Assert.Equal(200, status);
        Assert.Equal(TestModel.Card.DataHash, (string?)body!["card"]!["data_hash"]);
        Assert.Equal(17, (int)body["card"]!["best_epoch"]!);
        Assert.Equal(0.4321, (double)body["card"]!["validation_ndcg_at_100"]!, 6);
        Assert.Equal("vae", (string?)body["card"]!["model_type"]);
        Assert.Equal(host.Model.Root.Path.Split(Path.DirectorySeparatorChar)[^1], (string?)body["version"]); // a run's model is named after the run
        Assert.Equal(TestModel.UserIds.Length, (int)body["known_users"]!);
        Assert.True((bool)body["has_item_embeddings"]!);
    }

    [Fact]
    public async Task Health_IsLiveAndReady()
    {
        using var live = await host.Http.GetAsync("/healthz/live", TestContext.Current.CancellationToken);
        using var ready = await host.Http.GetAsync("/healthz/ready", TestContext.Current.CancellationToken);

        Assert.Equal(200, (int)live.StatusCode);
        Assert.Equal(200, (int)ready.StatusCode);
    }

    [Fact]
    public async Task Metrics_CountRequestsPerEndpointAndStatus_AndDescribeTheModel()
    {
        await host.PostAsync("/v1/recommendations", """{"user_id": "u1"}""");
        await host.PostAsync("/v1/recommendations", """{"user_id": "u2"}""");
        await host.PostAsync("/v1/recommendations", """{"user_id": "ghost"}""");

        string text = await host.Http.GetStringAsync("/metrics", TestContext.Current.CancellationToken);

        Assert.Equal(2, Sample(text, "http_request_duration_seconds_count", "code=\"200\"", "endpoint=\"/v1/recommendations\""));
        Assert.Equal(1, Sample(text, "http_request_duration_seconds_count", "code=\"404\"", "endpoint=\"/v1/recommendations\""));
        Assert.Equal(2, Sample(text, "http_requests_received_total", "code=\"200\"", "endpoint=\"/v1/recommendations\""));
        Assert.Contains("http_request_duration_seconds_bucket{", text);
        Assert.Equal(1, Sample(text, "vaetoolkit_model_info", "model_type=\"vae\"", $"data_hash=\"{TestModel.Card.DataHash}\""));
        Assert.Equal(0, Sample(text, "vaetoolkit_model_reloads_total", "result=\"failed\""));
        Assert.True(Sample(text, "vaetoolkit_batch_users_count") >= 2); // the warm-up and the two known users
        Assert.True(Sample(text, "vaetoolkit_scored_users_total") >= 3);
    }

    [Fact]
    public async Task OpenApiDocument_ListsTheEndpoints()
    {
        var (status, _, body) = await host.GetAsync("/openapi/v1.json");

        Assert.Equal(200, status);
        var paths = body!["paths"]!.AsObject();
        foreach (string path in new[] { "/v1/recommendations", "/v1/recommendations/batch", "/v1/items/{id}/similar", "/v1/model" })
            Assert.True(paths.ContainsKey(path), $"the OpenAPI document lacks {path}");
        Assert.NotNull(body["components"]!["schemas"]!["RecommendationRequest"]);
    }

    /// <summary>The value of the one sample of <paramref name="name"/> whose labels include all of <paramref name="labels"/>.</summary>
    internal static double Sample(string exposition, string name, params string[] labels)
    {
        var matches = exposition.Split('\n')
            .Where(line => line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal))
            .Where(line => labels.All(line.Contains))
            .ToArray();
        Assert.True(matches.Length == 1, $"expected one {name} sample with {string.Join(", ", labels)}, found {matches.Length}:\n{exposition}");
        return double.Parse(matches[0][(matches[0].LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }
}

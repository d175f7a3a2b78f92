using System.Text.Json.Nodes;
using VaeToolkit.Tests.Export;
using VaeToolkit.Tests.Inference;

namespace VaeToolkit.Tests.Serving;

/// <summary>POST /v1/recommendations and its batch form, on the real service, checked against the reference Mult-VAE.</summary>
public sealed class RecommendationEndpointTests : IAsyncLifetime
{
    private ServiceHost host = null!;

    public async ValueTask InitializeAsync() => host = await ServiceHost.StartAsync();

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task KnownUser_GetsTheReferenceTopKWithoutTheirOwnItems()
    {
        var (status, _, body) = await host.PostAsync("/v1/recommendations", """{"user_id": "u3", "k": 7}""");

        Assert.Equal(200, status);
        int[] history = host.Model.UserHistories[3];
        int[] expected = ReferenceMultVae.TopK(host.Model.Weights, history, 7);
        Assert.Equal(expected.Select(item => TestModel.ItemIds[item]), ServiceHost.Ids(body!["items"]));
        Assert.Equal(expected.Select(item => TestModel.ItemNames[item]), body!["items"]!.AsArray().Select(item => (string?)item!["name"]));
        Assert.Equal("model", (string?)body["source"]);
        Assert.Equal("u3", (string?)body["user_id"]);
        double[] logits = ReferenceMultVae.Logits(host.Model.Weights, history);
        Assert.Equal(logits[expected[0]], (double)body["items"]![0]!["score"]!, 3);
    }

    [Fact]
    public async Task UnknownUser_Is404ProblemJson()
    {
        var (status, contentType, body) = await host.PostAsync("/v1/recommendations", """{"user_id": "nobody"}""");

        Assert.Equal(404, status);
        Assert.Equal("application/problem+json", contentType);
        Assert.Contains("'nobody'", (string?)body!["detail"]);
    }

    [Fact]
    public async Task History_IgnoresAndListsUnknownItems()
    {
        var (status, _, body) = await host.PostAsync("/v1/recommendations", """{"items": ["m7", "zzz", "m14", "m7"], "k": 4}""");

        Assert.Equal(200, status);
        Assert.Equal(["zzz"], body!["unknown_items"]!.AsArray().Select(id => (string?)id));
        int[] expected = ReferenceMultVae.TopK(host.Model.Weights, [1, 2], 4);
        Assert.Equal(expected.Select(item => TestModel.ItemIds[item]), ServiceHost.Ids(body["items"]));
    }

    [Theory]
    [InlineData("""{"items": [], "k": 3}""", new string[0])]
    [InlineData("""{"items": ["nope"], "k": 3}""", new[] { "nope" })]
    public async Task HistoryWithNoKnownItem_GetsThePopularityRanking_Flagged(string request, string[] unknown)
    {
        var (status, _, body) = await host.PostAsync("/v1/recommendations", request);

        Assert.Equal(200, status);
        Assert.Equal("popularity", (string?)body!["source"]);
        // TestModel's popularity falls with the index: m0, m7, m14 are the three most popular.
        Assert.Equal(["m0", "m7", "m14"], ServiceHost.Ids(body["items"]));
        Assert.Equal(TestModel.Popularity[0], (double)body["items"]![0]!["score"]!);
        Assert.Equal(unknown, body["unknown_items"]!.AsArray().Select(id => (string)id!));
    }

    [Fact]
    public async Task DenyList_RemovesItemsAndTheNextOnesMoveUp()
    {
        int[] ranking = ReferenceMultVae.TopK(host.Model.Weights, host.Model.UserHistories[2], 6);
        string denied = $"\"{TestModel.ItemIds[ranking[0]]}\", \"{TestModel.ItemIds[ranking[2]]}\", \"unknown\"";

        var (status, _, body) = await host.PostAsync("/v1/recommendations", $$"""{"user_id": "u2", "k": 4, "deny_items": [{{denied}}]}""");

        Assert.Equal(200, status);
        Assert.Equal(new[] { ranking[1], ranking[3], ranking[4], ranking[5] }.Select(item => TestModel.ItemIds[item]), ServiceHost.Ids(body!["items"]));
    }

    [Fact]
    public async Task AllowList_RanksOnlyThoseItems_InModelOrder()
    {
        int[] history = host.Model.UserHistories[4];
        int[] whole = ReferenceMultVae.TopK(host.Model.Weights, history, TestModel.Items);
        // The allowed items are the ranking's last few (the model likes them least): only a whole ranking finds them.
        int[] allowed = [.. whole[^5..]];
        string list = string.Join(", ", allowed.Select(item => $"\"{TestModel.ItemIds[item]}\""));

        var (status, _, body) = await host.PostAsync("/v1/recommendations", $$"""{"user_id": "u4", "k": 3, "allow_items": [{{list}}]}""");

        Assert.Equal(200, status);
        Assert.Equal(allowed[..3].Select(item => TestModel.ItemIds[item]), ServiceHost.Ids(body!["items"]));
    }

    [Fact]
    public async Task ExcludeSeenFalse_CanRecommendHistoryItems()
    {
        int[] history = host.Model.UserHistories[1];
        double[] logits = ReferenceMultVae.Logits(host.Model.Weights, history);
        // The whole ranking, so that the history's items are in it wherever the model puts them.
        int[] expected = [.. Enumerable.Range(0, TestModel.Items).OrderByDescending(item => logits[item])];

        var (status, _, body) = await host.PostAsync("/v1/recommendations", """{"user_id": "u1", "k": 50, "exclude_seen": false}""");

        Assert.Equal(200, status);
        Assert.Equal(expected.Select(item => TestModel.ItemIds[item]), ServiceHost.Ids(body!["items"]));
    }

    [Fact]
    public async Task Batch_AnswersEachUserInOrder_AnUnknownOneFailingAlone()
    {
        var (status, _, body) = await host.PostAsync("/v1/recommendations/batch",
            """{"requests": [{"user_id": "u5", "k": 3}, {"user_id": "ghost"}, {"items": ["m21"], "k": 2}]}""");

        Assert.Equal(200, status);
        var results = body!["results"]!.AsArray();
        Assert.Equal([200, 404, 200], results.Select(result => (int)result!["status"]!));
        Assert.Equal(ReferenceMultVae.TopK(host.Model.Weights, host.Model.UserHistories[5], 3).Select(item => TestModel.ItemIds[item]),
            ServiceHost.Ids(results[0]!["recommendation"]!["items"]));
        Assert.Contains("'ghost'", (string?)results[1]!["problem"]!["detail"]);
        Assert.Equal(ReferenceMultVae.TopK(host.Model.Weights, [3], 2).Select(item => TestModel.ItemIds[item]),
            ServiceHost.Ids(results[2]!["recommendation"]!["items"]));
    }

    [Fact]
    public async Task ConcurrentRequests_AreCoalesced_AndEachGetsItsOwnAnswer()
    {
        var (callsBefore, usersBefore) = host.Server.Metrics.Batches;
        var requests = Enumerable.Range(0, 200).Select(i => host.PostAsync("/v1/recommendations", $$"""{"user_id": "u{{i % 10}}", "k": 5}"""));
        var answers = await Task.WhenAll(requests);
        var (callsAfter, usersAfter) = host.Server.Metrics.Batches;

        for (int i = 0; i < answers.Length; i++)
        {
            Assert.Equal(200, answers[i].Status);
            Assert.Equal(ReferenceMultVae.TopK(host.Model.Weights, host.Model.UserHistories[i % 10], 5).Select(item => TestModel.ItemIds[item]),
                ServiceHost.Ids(answers[i].Body!["items"]));
        }
        Assert.Equal(200, usersAfter - usersBefore);
        Assert.True(callsAfter - callsBefore < 200, $"200 concurrent users took {callsAfter - callsBefore} ONNX Runtime calls: nothing was coalesced");
    }
}

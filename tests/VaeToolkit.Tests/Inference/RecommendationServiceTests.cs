using System.Globalization;
using VaeToolkit.Inference;
using VaeToolkit.Tests.Export;

namespace VaeToolkit.Tests.Inference;

public sealed class RecommendationServiceTests
{
    [Fact]
    public void RecommendForUsers_ServesKnownUsersAndReportsUnknownOnes()
    {
        using var model = TestModel.Create();
        using var service = RecommendationService.Open(model.Root.Path);

        var results = service.RecommendForUsers(["u1", "nobody", "u3"], k: 5, TestContext.Current.CancellationToken);

        Assert.Equal(["u1", "nobody", "u3"], results.Select(result => result.UserId));
        Assert.False(results[1].Succeeded);
        Assert.Contains("'nobody'", results[1].Error);
        Assert.Empty(results[1].Recommendations);
        foreach (int position in new[] { 0, 2 })
        {
            var result = results[position];
            int user = int.Parse(result.UserId[1..], CultureInfo.InvariantCulture);
            Assert.True(result.Succeeded);
            int[] expected = ReferenceMultVae.TopK(model.Weights, model.UserHistories[user], 5);
            Assert.Equal(expected.Select(item => TestModel.ItemIds[item]), result.Recommendations.Select(r => r.ItemId));
            Assert.Equal(expected.Select(item => TestModel.ItemNames[item]), result.Recommendations.Select(r => r.ItemName));
            Assert.Equal([1, 2, 3, 4, 5], result.Recommendations.Select(r => r.Rank));
            Assert.All(result.Recommendations, r => Assert.Equal(result.UserId, r.UserId));
        }
    }

    [Fact]
    public void RecommendForHistory_UsesTheKnownItemsAndListsTheOthers()
    {
        using var model = TestModel.Create();
        using var service = RecommendationService.Open(model.ModelDirectory);

        var result = service.RecommendForHistory(["m7", "zzz", "m14", "zzz"], k: 4, userId: "guest");

        Assert.True(result.Succeeded);
        Assert.Equal(["zzz"], result.UnknownItemIds);
        int[] expected = ReferenceMultVae.TopK(model.Weights, [1, 2], 4);
        Assert.Equal(expected.Select(item => TestModel.ItemIds[item]), result.Recommendations.Select(r => r.ItemId));
        Assert.DoesNotContain(result.Recommendations, r => r.ItemId is "m7" or "m14");
    }

    [Fact]
    public void RecommendForHistory_WithNoKnownItem_Fails()
    {
        using var model = TestModel.Create();
        using var service = RecommendationService.Open(model.ModelDirectory);

        var result = service.RecommendForHistory(["a", "b"], k: 4);

        Assert.False(result.Succeeded);
        Assert.Equal("none of the 2 item ids of the history is known to the model", result.Error);
        Assert.Equal(["a", "b"], result.UnknownItemIds);
    }

    [Fact]
    public void ExcludeSeenFalse_RanksTheOwnItemsWithTheOthers_ForHistoriesAndKnownUsers()
    {
        using var model = TestModel.Create();
        using var service = RecommendationService.Open(model.ModelDirectory);

        var history = service.RecommendForHistory(["m7", "m14"], k: 4, userId: "guest", excludeSeen: false);
        var user = service.RecommendForUsers(["u2"], k: TestModel.Items, TestContext.Current.CancellationToken, excludeSeen: false)[0];

        double[] logits = ReferenceMultVae.Logits(model.Weights, [1, 2]);
        var expected = Enumerable.Range(0, TestModel.Items).OrderByDescending(i => logits[i]).Take(4).Select(i => TestModel.ItemIds[i]);
        Assert.Equal(expected, history.Recommendations.Select(r => r.ItemId));
        Assert.Equal(TestModel.Items, user.Recommendations.Count);
        Assert.Superset(model.UserHistories[2].Select(i => TestModel.ItemIds[i]).ToHashSet(), user.Recommendations.Select(r => r.ItemId).ToHashSet());
        Assert.DoesNotContain(service.RecommendForUsers(["u2"], k: TestModel.Items, TestContext.Current.CancellationToken)[0].Recommendations,
            r => model.UserHistories[2].Contains(Array.IndexOf(TestModel.ItemIds, r.ItemId)));
    }
}

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
}

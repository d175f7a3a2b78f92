using System.Globalization;
using System.Text;
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
    public void RecommendFile_WritesEveryUserWithAKnownItem()
    {
        using var model = TestModel.Create();
        using var service = RecommendationService.Open(model.ModelDirectory, batchSize: 1);
        string input = model.Root.Combine("interactions.csv");
        string output = model.Root.Combine("out", "recommendations.csv");
        File.WriteAllText(input, "userId,movieId,rating\nalice,m7,4.0\nbob,zzz,3\nalice,m14,5\n\ncarol,m0,1\nbob,yyy,2\n");

        var summary = service.RecommendFile(input, output, k: 3, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(new RecommendationFileSummary(output, Users: 3, UsersWritten: 2, Rows: 6, UnknownInteractions: 2, summary.SkippedUsers), summary);
        Assert.Equal(["bob"], summary.SkippedUsers);
        // The same users asked one by one give the rows, in file order; every test item name holds a comma, so is quoted.
        var expected = new StringBuilder(RecommendationService.OutputHeader + "\n");
        foreach (var (user, history) in new[] { ("alice", new[] { "m7", "m14" }), ("carol", new[] { "m0" }) })
        {
            foreach (var r in service.RecommendForHistory(history, k: 3, user).Recommendations)
                expected.Append(CultureInfo.InvariantCulture, $"{user},{r.Rank},{r.ItemId},{r.Score},{Quoted(r.ItemName)}\n");
        }
        Assert.Equal(expected.ToString(), File.ReadAllText(output));
        Assert.Contains($"alice,1,{TestModel.ItemIds[ReferenceMultVae.TopK(model.Weights, [1, 2], 1)[0]]},", File.ReadAllText(output));
        Assert.Equal([Path.GetFileName(output)], Directory.GetFiles(Path.GetDirectoryName(output)!).Select(Path.GetFileName));
    }

    [Fact]
    public void RecommendFile_Cancelled_LeavesNoOutput()
    {
        using var model = TestModel.Create();
        using var service = RecommendationService.Open(model.ModelDirectory);
        string input = model.Root.Combine("interactions.csv");
        string output = model.Root.Combine("recommendations.csv");
        File.WriteAllText(input, "user,item\nalice,m7\n");

        Assert.ThrowsAny<OperationCanceledException>(() => service.RecommendFile(input, output, k: 3, cancellationToken: new CancellationToken(canceled: true)));

        Assert.False(File.Exists(output));
        Assert.Equal(["interactions.csv"], Directory.GetFiles(model.Root.Path).Select(Path.GetFileName));
    }

    private static string Quoted(string? name) => name is null ? "" : $"\"{name.Replace("\"", "\"\"")}\"";
}

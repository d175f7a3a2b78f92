using System.Text.Json;
using VaeToolkit.Inference;
using VaeToolkit.Runs;
using VaeToolkit.Tests.Export;
using VaeToolkit.Tests.Inference;

namespace VaeToolkit.Tests.Cli;

/// <summary>The <c>similar</c> verb and <c>recommend --include-seen</c>, on a small exported model.</summary>
public sealed class CliSimilarTests
{
    [Fact]
    public void Similar_PrintsEachItemsSimilarItemsAsJson()
    {
        using var model = TestModel.Create();

        var (exitCode, output, error) = CliRunner.Run("similar", "--model", model.Root.Path, "--item", "m7", "--item", "m14", "--top", "3");

        Assert.Equal(0, exitCode);
        Assert.Equal("", error);
        var engine = ItemSimilarity.Open(model.ModelDirectory);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(2, json.RootElement.GetArrayLength());
        foreach (var (result, id) in json.RootElement.EnumerateArray().Zip(["m7", "m14"]))
        {
            Assert.Equal(id, result.GetProperty("item_id").GetString());
            Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
            var printed = result.GetProperty("similar_items").EnumerateArray().ToArray();
            var expected = engine.Similar(id, 3);
            Assert.Equal(expected.Select(s => s.ItemId), printed.Select(p => p.GetProperty("item_id").GetString()));
            Assert.Equal([1, 2, 3], printed.Select(p => p.GetProperty("rank").GetInt32()));
            Assert.Equal(expected.Select(s => s.Similarity), printed.Select(p => p.GetProperty("similarity").GetSingle()));
            Assert.Equal(expected.Select(s => s.Name), printed.Select(p => p.GetProperty("name").GetString()));
        }
    }

    [Fact]
    public void Similar_WithAnUnknownItem_AnswersTheOthersAndExitsWith3()
    {
        using var model = TestModel.Create();

        var (exitCode, output, error) = CliRunner.Run("similar", "--model", model.ModelDirectory, "--item", "no-such-item", "--item", "m21");

        Assert.Equal(3, exitCode);
        Assert.Contains("vaetoolkit: error: item 'no-such-item' is not an item of the model", error);
        using var json = JsonDocument.Parse(output);
        Assert.Contains("'no-such-item'", json.RootElement[0].GetProperty("error").GetString());
        Assert.Equal(10, json.RootElement[1].GetProperty("similar_items").GetArrayLength()); // the default --top
    }

    [Fact]
    public void Similar_OnAModelWithoutItemEmbeddings_SaysToExportAgain()
    {
        using var model = TestModel.Create();
        model.ForgetFileHashes();
        File.Delete(model.PathOf(ModelFiles.ItemEmbeddings));

        var (exitCode, _, error) = CliRunner.Run("similar", "--model", model.ModelDirectory, "--item", "m7");

        Assert.Equal(1, exitCode);
        Assert.Contains($"has no {ModelFiles.ItemEmbeddings}: the model was exported before item similarity existed; export or train it again", error);
    }

    [Theory]
    [InlineData(new[] { "similar", "--model", "m" }, "give at least one --item")]
    [InlineData(new[] { "similar", "--model", "m", "--item", "1", "--top", "0" }, "option --top must be between")]
    [InlineData(new[] { "similar", "--model", "m", "--item", "1", "--user", "2" }, "unknown option --user for 'similar'")]
    [InlineData(new[] { "recommend", "--model", "m", "--input", "a.csv", "--output", "b.csv", "--include-seen" }, "--include-seen goes with --user or --items, not --input")]
    public void BadCommandLines_AreUsageErrors(string[] args, string message)
    {
        var (exitCode, _, error) = CliRunner.Run(args);

        Assert.Equal(2, exitCode);
        Assert.Contains(message, error);
        Assert.Contains("vaetoolkit similar   --model <run or model dir> --item <id>... [--top N]", error);
    }

    [Fact]
    public void Recommend_IncludeSeen_RanksTheHistoryWithTheOtherItems()
    {
        using var model = TestModel.Create();
        int[] history = [1, 2];
        double[] logits = ReferenceMultVae.Logits(model.Weights, history);
        string[] everyItem = [.. Enumerable.Range(0, TestModel.Items).OrderByDescending(i => logits[i]).Select(i => TestModel.ItemIds[i])];

        var (included, includedOutput, _) = CliRunner.Run("recommend", "--model", model.ModelDirectory, "--items", "m7,m14", "--top", "50", "--include-seen");
        var (excluded, excludedOutput, _) = CliRunner.Run("recommend", "--model", model.ModelDirectory, "--items", "m7,m14", "--top", "50");

        Assert.Equal((0, 0), (included, excluded));
        Assert.Equal(everyItem, ItemIds(includedOutput));
        Assert.Equal(everyItem.Except(["m7", "m14"]), ItemIds(excludedOutput));
    }

    private static string?[] ItemIds(string output)
    {
        using var json = JsonDocument.Parse(output);
        return [.. json.RootElement[0].GetProperty("recommendations").EnumerateArray().Select(r => r.GetProperty("item_id").GetString())];
    }
}

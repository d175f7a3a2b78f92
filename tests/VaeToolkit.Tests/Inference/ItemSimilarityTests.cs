using System.Text.Json.Nodes;
using VaeToolkit.Inference;
using VaeToolkit.Runs;
using VaeToolkit.Training.Model;

namespace VaeToolkit.Tests.Inference;

public sealed class ItemSimilarityTests
{
    [Theory]
    [InlineData(0, 10)]
    [InlineData(17, 5)]
    [InlineData(49, 1)]
    [InlineData(23, 49)]
    public void Similar_IsTheBruteForceCosineTopK_WithoutTheItemItself(int item, int k)
    {
        using var model = TestModel.Create();
        var similarity = ItemSimilarity.Open(model.ModelDirectory);

        var similar = similarity.Similar(TestModel.ItemIds[item], k);

        var expected = BruteForce(model.Weights, item).Take(k).ToArray();
        Assert.Equal(expected.Select(e => TestModel.ItemIds[e.Item]), similar.Select(s => s.ItemId));
        Assert.Equal(Enumerable.Range(1, k), similar.Select(s => s.Rank));
        for (int r = 0; r < k; r++)
        {
            Assert.Equal(expected[r].Cosine, similar[r].Similarity, 1e-5);
            Assert.Equal(TestModel.ItemNames[expected[r].Item], similar[r].Name);
        }
        Assert.DoesNotContain(TestModel.ItemIds[item], similar.Select(s => s.ItemId));
    }

    [Fact]
    public void Similar_WithKAboveTheItemCount_ReturnsEveryOtherItem()
    {
        using var model = TestModel.Create();
        var similarity = ItemSimilarity.Open(model.ModelDirectory);

        var similar = similarity.Similar("m0", 1000);

        Assert.Equal(TestModel.Items - 1, similar.Count);
        Assert.Equal(TestModel.ItemIds.Skip(1).Order(), similar.Select(s => s.ItemId).Order());
        Assert.True(similar.Zip(similar.Skip(1)).All(pair => pair.First.Similarity >= pair.Second.Similarity));
    }

    [Fact]
    public void Similar_ForAnUnknownItem_IsAKeyNotFoundNamingTheIdAndTheModel()
    {
        using var model = TestModel.Create();
        var similarity = ItemSimilarity.Open(model.ModelDirectory);

        var error = Assert.Throws<UnknownItemException>(() => similarity.Similar("m1", 5));

        Assert.IsAssignableFrom<KeyNotFoundException>(error);
        Assert.Equal("m1", error.ItemId);
        Assert.Contains("'m1'", error.Message);
        Assert.Contains(model.ModelDirectory, error.Message);
    }

    [Fact]
    public void SimilarForItems_AnswersTheKnownIdsAndFailsTheOthers()
    {
        using var model = TestModel.Create();
        var similarity = ItemSimilarity.Open(model.ModelDirectory);

        var results = similarity.SimilarForItems(["m7", "nope", "m14"], 3);

        Assert.Equal(["m7", "nope", "m14"], results.Select(r => r.ItemId));
        Assert.Equal([true, false, true], results.Select(r => r.Succeeded));
        Assert.Equal(similarity.Similar("m14", 3), results[2].SimilarItems);
        Assert.Empty(results[1].SimilarItems);
        Assert.Contains("'nope'", results[1].Error);
    }

    [Fact]
    public void Open_AModelExportedBeforeItemSimilarity_SaysToExportAgain()
    {
        using var model = TestModel.Create();
        File.Delete(model.PathOf(ModelFiles.ItemEmbeddings));
        // The card of such a model never recorded the file's hash.
        var card = JsonNode.Parse(File.ReadAllText(model.PathOf(ModelFiles.Card)))!.AsObject();
        card["file_sha256"]!.AsObject().Remove(ModelFiles.ItemEmbeddings);
        File.WriteAllText(model.PathOf(ModelFiles.Card), card.ToJsonString());

        var error = Assert.Throws<ModelBundleException>(() => ItemSimilarity.Open(model.ModelDirectory));

        Assert.Contains(ModelFiles.ItemEmbeddings, error.Message);
        Assert.Contains("exported before item similarity existed", error.Message);
        Assert.Contains("export or train it again", error.Message);
        Assert.Equal([ModelFiles.ItemEmbeddings], error.MissingFiles);
    }

    [Fact]
    public void Open_EmbeddingsOfAnotherItemCount_AreNamed()
    {
        using var model = TestModel.Create();
        model.ForgetFileHashes();
        new ItemEmbeddings(TestModel.Items - 1, 4, new float[(TestModel.Items - 1) * 4]).Save(model.PathOf(ModelFiles.ItemEmbeddings));

        var error = Assert.Throws<ModelBundleException>(() => ItemSimilarity.Open(model.ModelDirectory));

        Assert.Contains($"{ModelFiles.ItemEmbeddings} holds {TestModel.Items - 1} items but {ModelFiles.Card} says {TestModel.Items}", error.Message);
    }

    [Fact]
    public void Open_UnreadableEmbeddings_AreNamed()
    {
        using var model = TestModel.Create();
        model.ForgetFileHashes();
        File.WriteAllText(model.PathOf(ModelFiles.ItemEmbeddings), "not numpy");

        var error = Assert.Throws<ModelBundleException>(() => ItemSimilarity.Open(model.ModelDirectory));

        Assert.Contains($"cannot read {ModelFiles.ItemEmbeddings}", error.Message);
        Assert.Contains("bad magic", error.Message);
    }

    [Fact]
    public void AZeroVector_HasSimilarityZeroWithEverything()
    {
        using var model = TestModel.Create();
        model.ForgetFileHashes();
        var random = new Random(5);
        float[] values = [.. Enumerable.Range(0, TestModel.Items * 3).Select(_ => (float)random.NextDouble() + 0.1f)];
        Array.Clear(values, 3 * 3, 3); // item 3 ("m21")
        new ItemEmbeddings(TestModel.Items, 3, values).Save(model.PathOf(ModelFiles.ItemEmbeddings));
        var similarity = ItemSimilarity.Open(model.ModelDirectory);

        var fromZero = similarity.Similar("m21", 4);
        var toZero = similarity.Similar("m0", TestModel.Items);

        // All equal (zero), so in item order.
        Assert.Equal(["m0", "m7", "m14", "m28"], fromZero.Select(s => s.ItemId));
        Assert.All(fromZero, s => Assert.Equal(0f, s.Similarity));
        var zero = Assert.Single(toZero, s => s.ItemId == "m21");
        Assert.Equal(0f, zero.Similarity);
        Assert.Equal(TestModel.Items - 1, zero.Rank); // every other item has positive components: the zero vector comes last
    }

    [Fact]
    public void Similar_FromManyThreads_AnswersAsFromOne()
    {
        using var model = TestModel.Create();
        var similarity = ItemSimilarity.Open(model.ModelDirectory);
        var expected = TestModel.ItemIds.Select(id => similarity.Similar(id, 7)).ToArray();

        var answers = new IReadOnlyList<SimilarItem>[400];
        Parallel.For(0, answers.Length, i => answers[i] = similarity.Similar(TestModel.ItemIds[i % TestModel.Items], 7));

        for (int i = 0; i < answers.Length; i++) Assert.Equal(expected[i % TestModel.Items], answers[i]);
    }

    /// <summary>Every other item by the cosine of the decoder output layer's columns, in double precision; ties in item order.</summary>
    private static IEnumerable<(int Item, double Cosine)> BruteForce(MultVaeWeights weights, int item)
    {
        DenseLayer output = weights.Decoder[^1];
        double[] Column(int i) => [.. Enumerable.Range(0, output.Inputs).Select(j => (double)output.Weight[j * output.Outputs + i])];
        double[] query = Column(item);
        double Norm(double[] v) => Math.Sqrt(v.Sum(x => x * x));
        return Enumerable.Range(0, output.Outputs)
            .Where(other => other != item)
            .Select(other =>
            {
                double[] v = Column(other);
                return (Item: other, Cosine: query.Zip(v, (a, b) => a * b).Sum() / (Norm(query) * Norm(v)));
            })
            .OrderByDescending(e => e.Cosine).ThenBy(e => e.Item);
    }
}

using VaeToolkit.Data;
using VaeToolkit.Inference;
using VaeToolkit.Tests.Export;
using VaeToolkit.Training.Export;
using VaeToolkit.Training.Model;

namespace VaeToolkit.Tests.Inference;

/// <summary>Parity of the exported graphs, run by ONNX Runtime, with the plain C# reference forward pass.</summary>
public sealed class OnnxRecommenderTests
{
    private const int Items = 50;

    // Users of different lengths, with empty histories first, in the middle and last.
    private static readonly int[][] Histories = [[], [3], [0, 7, 12, 49], [], [5, 6, 7, 8, 9, 10, 11, 20, 30, 40, 41], [1, 2], []];

    [Theory]
    [InlineData("vae", new[] { 20, 8 })]
    [InlineData("dae", new[] { 20, 8 })]
    [InlineData("vae", new[] { 8 })] // the item layer is also the last encoder layer
    [InlineData("dae", new[] { 8 })]
    public void Recommend_MatchesTheReferenceForABatchOfUsers(string modelType, int[] dims)
    {
        using var directory = new TemporaryDirectory();
        var weights = Export(modelType, directory.Path, dims);
        using var recommender = OnnxRecommender.Open(directory.Path);

        var top = recommender.Recommend(CsrMatrix.FromRows(Histories, Items), k: 10);

        Assert.Equal(Histories.Length, top.UserCount);
        for (int u = 0; u < Histories.Length; u++)
        {
            double[] logits = ReferenceMultVae.Logits(weights, Histories[u]);
            Assert.Equal(ReferenceMultVae.TopK(weights, Histories[u], 10), top.Items(u).ToArray());
            for (int r = 0; r < 10; r++) Assert.Equal(logits[top.Items(u)[r]], top.Scores(u)[r], 1e-4);
        }
    }

    [Theory]
    [InlineData("vae", new[] { 20, 8 })]
    [InlineData("dae", new[] { 20, 8 })]
    [InlineData("vae", new[] { 8 })]
    [InlineData("dae", new[] { 8 })]
    public void Encode_MatchesTheReferenceMean(string modelType, int[] dims)
    {
        using var directory = new TemporaryDirectory();
        var weights = Export(modelType, directory.Path, dims);
        using var recommender = OnnxRecommender.Open(directory.Path);

        float[][] means = recommender.Encode(CsrMatrix.FromRows(Histories, Items));

        Assert.Equal(Histories.Length, means.Length);
        for (int u = 0; u < Histories.Length; u++)
        {
            double[] expected = ReferenceMultVae.Mean(weights, Histories[u]);
            Assert.Equal(8, means[u].Length);
            for (int d = 0; d < 8; d++) Assert.Equal(expected[d], means[u][d], 1e-4);
        }
    }

    [Fact]
    public void Encode_ALargeBatch_MatchesTheReference()
    {
        // Big enough that ONNX Runtime splits the segment sum across threads, with users of every
        // length (including empty ones) straddling the split points.
        using var directory = new TemporaryDirectory();
        var weights = RandomWeights.Create("vae", items: 3000, dims: [64, 16], seed: 5);
        OnnxExporter.Export(weights, directory.Path);
        using var recommender = OnnxRecommender.Open(directory.Path);
        var random = new Random(5);
        int[][] histories = [.. Enumerable.Range(0, 2000).Select(_ => Enumerable.Range(0, random.Next(0, 80)).Select(_ => random.Next(3000)).Distinct().Order().ToArray())];

        float[][] means = recommender.Encode(CsrMatrix.FromRows(histories, 3000));

        for (int u = 0; u < histories.Length; u++)
        {
            double[] expected = ReferenceMultVae.Mean(weights, histories[u]);
            for (int d = 0; d < 16; d++) Assert.Equal(expected[d], means[u][d], 1e-4);
        }
    }

    [Fact]
    public void Recommend_HistoriesAroundTheItemLayersChunkLength_MatchTheReference()
    {
        // The exported item layer sums each user's items in chunks of OnnxItemLayer.ChunkLength slots,
        // then takes differences of a running sum over the chunks: lengths just below, at and above a
        // chunk boundary, long histories, and empty users between them, in one batch.
        using var directory = new TemporaryDirectory();
        var weights = RandomWeights.Create("vae", items: 3000, dims: [48, 12], seed: 9);
        OnnxExporter.Export(weights, directory.Path);
        using var recommender = OnnxRecommender.Open(directory.Path);
        var random = new Random(9);
        int[] lengths = [0, 1, 15, 16, 17, 0, 31, 32, 33, 47, 48, 49, 400, 0, 2999, 3000, .. Enumerable.Range(0, 300).Select(_ => random.Next(0, 120))];
        int[][] histories = [.. lengths.Select(length => Enumerable.Range(0, 3000).OrderBy(_ => random.Next()).Take(length).Order().ToArray())];

        var top = recommender.Recommend(CsrMatrix.FromRows(histories, 3000), k: 20);

        for (int u = 0; u < histories.Length; u++)
        {
            double[] logits = ReferenceMultVae.Logits(weights, histories[u]);
            int expected = Math.Min(20, 3000 - histories[u].Length);
            // A user who has every item gets -inf scores only; the reference then has nothing to rank.
            if (expected > 0) Assert.Equal(ReferenceMultVae.TopK(weights, histories[u], 20), top.Items(u)[..expected].ToArray());
            for (int r = 0; r < expected; r++) Assert.Equal(logits[top.Items(u)[r]], top.Scores(u)[r], 1e-4);
        }
    }

    [Fact]
    public void Recommend_WithKAboveTheItemCount_ReturnsEveryItemOutsideTheHistory()
    {
        using var directory = new TemporaryDirectory();
        var weights = Export("vae", directory.Path);
        using var recommender = OnnxRecommender.Open(directory.Path);

        var top = recommender.Recommend(CsrMatrix.FromRows(Histories, Items), k: 1000);

        Assert.Equal(Items, top.Width);
        for (int u = 0; u < Histories.Length; u++)
        {
            Assert.Equal(Items - Histories[u].Length, top.Length(u));
            Assert.Empty(top.Items(u).ToArray().Intersect(Histories[u]));
            Assert.Equal(ReferenceMultVae.TopK(weights, Histories[u], Items), top.Items(u).ToArray());
        }
    }

    [Fact]
    public void Recommend_ForOnlyEmptyHistories_RanksByTheBiasPathAlone()
    {
        using var directory = new TemporaryDirectory();
        var weights = Export("vae", directory.Path);
        using var recommender = OnnxRecommender.Open(directory.Path);

        var top = recommender.Recommend(CsrMatrix.FromRows([[], []], Items), k: 5);

        int[] expected = ReferenceMultVae.TopK(weights, [], 5);
        Assert.Equal(expected, top.Items(0).ToArray());
        Assert.Equal(expected, top.Items(1).ToArray());
    }

    [Fact]
    public void Recommend_NeverReturnsHistoryItems_EvenWhenTheyScoreBest()
    {
        using var directory = new TemporaryDirectory();
        var weights = Export("dae", directory.Path);
        using var recommender = OnnxRecommender.Open(directory.Path);
        // Give a user the model's own favourites as history.
        int[] favourites = ReferenceMultVae.TopK(weights, [], 5);

        var top = recommender.Recommend(CsrMatrix.FromRows([favourites], Items), k: 10);

        Assert.Equal(10, top.Length(0));
        Assert.Empty(top.Items(0).ToArray().Intersect(favourites));
    }

    /// <summary>
    /// exclude_seen is an initializer that is also a graph input: fed false, ONNX Runtime must use the value
    /// fed rather than a constant folded from the default, and the own items come back with their logits.
    /// </summary>
    [Fact]
    public void Recommend_WithExcludeSeenFalse_RanksTheHistoryItemsByTheirOwnScores()
    {
        using var directory = new TemporaryDirectory();
        var weights = Export("vae", directory.Path);
        using var recommender = OnnxRecommender.Open(directory.Path);
        var histories = CsrMatrix.FromRows(Histories, Items);
        Assert.True(recommender.CanIncludeSeen);

        var included = recommender.Recommend(histories, k: Items, excludeSeen: false);
        var excluded = recommender.Recommend(histories, k: Items, excludeSeen: true);
        var byDefault = recommender.Recommend(histories, k: Items);

        for (int u = 0; u < Histories.Length; u++)
        {
            double[] logits = ReferenceMultVae.Logits(weights, Histories[u]);
            int[] everyItem = [.. Enumerable.Range(0, Items).OrderByDescending(i => logits[i]).ThenBy(i => i)];
            Assert.Equal(Items, included.Length(u));
            Assert.Equal(everyItem, included.Items(u).ToArray());
            for (int r = 0; r < Items; r++) Assert.Equal(logits[included.Items(u)[r]], included.Scores(u)[r], 1e-4);

            Assert.Equal(Items - Histories[u].Length, excluded.Length(u));
            Assert.Empty(excluded.Items(u).ToArray().Intersect(Histories[u]));
            Assert.Equal(excluded.Items(u).ToArray(), byDefault.Items(u).ToArray());
        }
    }

    /// <summary>
    /// IOBinding runs the same graph on the same inputs: the same items and scores, the history kept out or let in
    /// as asked, empty histories and a batch of none included, and the plain engine's answers unchanged beside it.
    /// </summary>
    [Fact]
    public void Recommend_ThroughIoBinding_GivesThePlainRunsItemsAndScores()
    {
        using var directory = new TemporaryDirectory();
        var weights = Export("vae", directory.Path);
        using var plain = OnnxRecommender.Open(directory.Path);
        using var bound = OnnxRecommender.Open(directory.Path, ioBinding: true);
        var histories = CsrMatrix.FromRows(Histories, Items);
        Assert.True(bound.UsesIoBinding);
        Assert.False(plain.UsesIoBinding);

        foreach (var (k, excludeSeen) in new[] { (10, true), (Items, false), (Items + 5, true) })
        {
            var expected = plain.Recommend(histories, k, excludeSeen);
            var actual = bound.Recommend(histories, k, excludeSeen);
            Assert.Equal((expected.UserCount, expected.Width), (actual.UserCount, actual.Width));
            for (int u = 0; u < Histories.Length; u++)
            {
                Assert.Equal(expected.Items(u).ToArray(), actual.Items(u).ToArray());
                Assert.Equal(expected.Scores(u).ToArray(), actual.Scores(u).ToArray());
            }
        }
        // Against the reference too, so that both cannot be wrong together; and twice, as a batch job calls it.
        for (int pass = 0; pass < 2; pass++)
        {
            var top = bound.Recommend(histories, k: 10);
            for (int u = 0; u < Histories.Length; u++) Assert.Equal(ReferenceMultVae.TopK(weights, Histories[u], 10), top.Items(u).ToArray());
        }
        Assert.Equal(0, bound.Recommend(CsrMatrix.FromRows([], Items), 5).UserCount);
        Assert.Equal(3, bound.Recommend(CsrMatrix.FromRows([[], [], []], Items), 5).UserCount);
    }

    [Fact]
    public void Recommend_WithExcludeSeenFalse_OnAGraphWithoutTheInput_SaysToExportAgain()
    {
        using var directory = new TemporaryDirectory();
        Export("vae", directory.Path);
        // A graph exported before exclude_seen existed: without the graph input, the initializer is a plain constant.
        string path = Path.Combine(directory.Path, VaeToolkit.Runs.ModelFiles.Recommender);
        var model = VaeToolkit.Training.Export.Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        model.Graph.Input.Remove(model.Graph.Input.Single(i => i.Name == OnnxExporter.ExcludeSeenInput));
        File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(model));
        using var recommender = OnnxRecommender.Open(directory.Path);
        var histories = CsrMatrix.FromRows(Histories, Items);

        Assert.False(recommender.CanIncludeSeen);
        var error = Assert.Throws<NotSupportedException>(() => recommender.Recommend(histories, 5, excludeSeen: false));
        Assert.Contains($"'{directory.Path}'", error.Message);
        Assert.Contains("export or train it again", error.Message);
        var top = recommender.Recommend(histories, 5);
        for (int u = 0; u < Histories.Length; u++) Assert.Empty(top.Items(u).ToArray().Intersect(Histories[u]));
    }

    [Fact]
    public void Recommend_RejectsItemIndicesOutsideTheModel()
    {
        using var directory = new TemporaryDirectory();
        Export("vae", directory.Path);
        using var recommender = OnnxRecommender.Open(directory.Path);

        var tooWide = CsrMatrix.FromRows([[1, 60]], 61);
        var outOfRange = new CsrMatrix(Items, [0, 1, 2], [3, Items]);

        Assert.Contains("61 item columns", Assert.Throws<ArgumentException>(() => recommender.Recommend(tooWide, 5)).Message);
        Assert.Contains($"item index {Items} of row 1", Assert.Throws<ArgumentException>(() => recommender.Recommend(outOfRange, 5)).Message);
    }

    [Fact]
    public void Open_RejectsAnUnknownDevice()
    {
        using var directory = new TemporaryDirectory();
        Export("vae", directory.Path);

        var error = Assert.Throws<ArgumentException>(() => OnnxRecommender.Open(directory.Path, "tpu"));

        Assert.Contains("'tpu'", error.Message);
    }

    [Fact]
    public void Open_OnCuda_EitherScoresLikeTheCpuOrSaysWhyCudaIsUnavailable()
    {
        using var directory = new TemporaryDirectory();
        var weights = Export("vae", directory.Path);

        OnnxRecommender recommender;
        try
        {
            recommender = OnnxRecommender.Open(directory.Path, "cuda:0");
        }
        catch (ExecutionProviderException e)
        {
            // The CPU build of ONNX Runtime (the default) lands here.
            Assert.Equal("cuda:0", e.Device);
            Assert.StartsWith("CUDA was asked for (device 'cuda:0') but the ONNX Runtime CUDA execution provider could not be loaded: ", e.Message);
            Assert.NotNull(e.InnerException);
            return;
        }
        using (recommender)
        {
            var top = recommender.Recommend(CsrMatrix.FromRows(Histories, Items), k: 10);
            for (int u = 0; u < Histories.Length; u++)
                Assert.Equal(ReferenceMultVae.TopK(weights, Histories[u], 10), top.Items(u).ToArray());
        }
        // With CUDA, IOBinding through page-locked host memory scores the same.
        using var bound = OnnxRecommender.Open(directory.Path, "cuda:0", ioBinding: true);
        var boundTop = bound.Recommend(CsrMatrix.FromRows(Histories, Items), k: 10);
        for (int u = 0; u < Histories.Length; u++)
            Assert.Equal(ReferenceMultVae.TopK(weights, Histories[u], 10), boundTop.Items(u).ToArray());
    }

    private static MultVaeWeights Export(string modelType, string directory, int[]? dims = null)
    {
        var weights = RandomWeights.Create(modelType, Items, dims ?? [20, 8], seed: modelType == "vae" ? 11 : 12);
        OnnxExporter.Export(weights, directory);
        return weights;
    }
}

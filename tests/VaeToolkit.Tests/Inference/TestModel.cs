using VaeToolkit.Data;
using VaeToolkit.Runs;
using VaeToolkit.Tests.Export;
using VaeToolkit.Training.Export;
using VaeToolkit.Training.Model;

namespace VaeToolkit.Tests.Inference;

/// <summary>
/// A complete little model directory: random VAE weights (50 items, dims [20, 8]) exported to ONNX,
/// items with awkward names, ten known users and three test users.
/// </summary>
public sealed class TestModel : IDisposable
{
    public const int Items = 50;

    private TestModel(TemporaryDirectory root, string modelDirectory)
    {
        Root = root;
        ModelDirectory = modelDirectory;
        Weights = RandomWeights.Create("vae", Items, [20, 8], seed: 7);
        var random = new Random(7);
        UserHistories = [.. Enumerable.Range(0, 10).Select(u => Enumerable.Range(0, Items).Where(_ => random.NextDouble() < 0.15).ToArray())];
    }

    public TemporaryDirectory Root { get; }

    public string ModelDirectory { get; }

    public MultVaeWeights Weights { get; }

    /// <summary>Item i has id "m{7i}"; every fifth item has no name, the others need escaping.</summary>
    public static string[] ItemIds { get; } = [.. Enumerable.Range(0, Items).Select(i => $"m{7 * i}")];

    public static string?[] ItemNames { get; } = [.. Enumerable.Range(0, Items).Select(i => i % 5 == 0 ? null : $"Movie {i}, \"the\\sequel\"\t({i})\n")];

    /// <summary>Training popularity 50, 49, ..., 1: item 0 is the most popular.</summary>
    public static int[] Popularity { get; } = [.. Enumerable.Range(0, Items).Select(i => Items - i)];

    public static string[] UserIds { get; } = [.. Enumerable.Range(0, 10).Select(u => $"u{u}")];

    public int[][] UserHistories { get; }

    /// <summary>
    /// t0 folds in the two most popular items and wants the next two; t1 folds in item 5 and wants
    /// the least popular one; t2 has no targets.
    /// </summary>
    public static HeldOutUsers Test { get; } = new(
        ["t0", "t1", "t2"],
        CsrMatrix.FromRows([[0, 1], [5], [2, 3]], Items),
        CsrMatrix.FromRows([[2, 3], [49], []], Items));

    public static ModelCard Card { get; } = new()
    {
        ModelType = "vae",
        ItemCount = Items,
        LatentDim = 8,
        EncoderDims = [20, 8],
        Dataset = "toy",
        DataHash = "sha256:0123",
        CreatedUtc = new DateTime(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc),
        BestEpoch = 17,
        ValidationNdcgAt100 = 0.4321,
        ToolkitVersion = "1.2.3",
    };

    /// <summary>
    /// Writes the model into <c>model/</c> of a fresh run directory (<see cref="Root"/>): the graphs
    /// first (with <paramref name="onnxMetadata"/>), then the rest, as the packager does, so that the
    /// card records every file's hash.
    /// </summary>
    public static TestModel Create(bool exportOnnx = true, IReadOnlyDictionary<string, string>? onnxMetadata = null)
    {
        var root = new TemporaryDirectory();
        var model = new TestModel(root, root.Combine(RunFiles.ModelFolder));
        if (exportOnnx) OnnxExporter.Export(model.Weights, model.ModelDirectory, onnxMetadata);
        ModelBundle.Write(model.ModelDirectory, Card, new ItemTable(ItemIds, Popularity, ItemNames),
            CsrMatrix.FromRows(model.UserHistories, Items), UserIds, Test);
        return model;
    }

    public string PathOf(string file) => System.IO.Path.Combine(ModelDirectory, file);

    /// <summary>Makes the card look like one written before file hashes were recorded.</summary>
    public void ForgetFileHashes()
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(PathOf(ModelFiles.Card)))!.AsObject();
        json.Remove("file_sha256");
        File.WriteAllText(PathOf(ModelFiles.Card), json.ToJsonString());
    }

    public void Dispose() => Root.Dispose();
}

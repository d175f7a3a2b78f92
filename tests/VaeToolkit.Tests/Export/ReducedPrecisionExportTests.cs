using System.Security.Cryptography;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.Inference;
using VaeToolkit.Runs;
using VaeToolkit.Training.Export;
using VaeToolkit.Training.Export.Onnx;
using VaeToolkit.Training.Model;
using DataType = VaeToolkit.Training.Export.Onnx.TensorProto.Types.DataType;

namespace VaeToolkit.Tests.Export;

/// <summary>
/// export.precision: fp16, bf16 and int8 graphs of random weights scored by ONNX Runtime against the plain
/// double-precision reference (<see cref="ReferenceMultVae"/>); the default graphs unchanged; the weights
/// read back.
/// </summary>
public sealed class ReducedPrecisionExportTests
{
    private const int Items = 2000;
    private const int K = 20;

    /// <summary>300 users of 0 to 60 items, scored in one batch as a serving call would send them.</summary>
    private static readonly int[][] Histories = MakeHistories(300, seed: 21);

    /// <summary>
    /// SHA-256 of each GraphProto (random weights, seed 11, 50 items): the encoders as written before
    /// export.precision existed, the recommenders as changed by the <c>exclude_seen</c> input (GatherND and
    /// Where feeding the ScatterND). The default export must stay byte for byte the same graph; only the
    /// metadata gains <c>precision</c>.
    /// </summary>
    [Theory]
    [InlineData("vae", new[] { 20, 8 }, "354FDB0659A1CE8D3940EF412BCE5429216B5C8485F4B92C730B5602604348BF", "25B6B9BB294C44A94B523C3C61FA7F1F715FAC892B0146DEDD4893343C725829")]
    [InlineData("dae", new[] { 6 }, "4DB7657966D940B29DEF7A930BE111FAE23D30D964D1FB2E1087D4E2BE2A3787", "EC316CC6B74585E453C59F361BDB2BF68C1DBC742FA60DC8A705B8CB3C306ADD")]
    public void DefaultExport_WritesTheSameGraphsAsBefore(string modelType, int[] dims, string recommenderSha256, string encoderSha256)
    {
        using var directory = new TemporaryDirectory();
        OnnxExporter.Export(RandomWeights.Create(modelType, items: 50, dims: dims, seed: 11), directory.Path);

        var recommender = Read(directory.Combine(ModelFiles.Recommender));
        var encoder = Read(directory.Combine(ModelFiles.Encoder));
        Assert.Equal(recommenderSha256, Convert.ToHexString(SHA256.HashData(recommender.Graph.ToByteArray())));
        Assert.Equal(encoderSha256, Convert.ToHexString(SHA256.HashData(encoder.Graph.ToByteArray())));
        Assert.Equal(ExportPrecisions.Fp32, Metadata(recommender, "precision"));
        Assert.Equal(ExportPrecisions.Fp32, Metadata(encoder, "precision"));
        Assert.Equal([(long)OnnxExporter.OpsetVersion], recommender.OpsetImport.Select(o => o.Version));
    }

    /// <summary>
    /// Scores (logits of the items returned) within <paramref name="maxError"/> of the reference, and on
    /// average at least <paramref name="minOverlap"/> of the reference's top 20. Measured: fp16 0.0004 and
    /// 0.9998, bf16 0.003 and 0.998, int8 0.013 and 0.992 (mean |logit| 0.42); int8 on a DAE with one decoder
    /// layer (its input the latent code) 0.008 and 0.990. The error bounds leave about 3x.
    /// </summary>
    [Theory]
    [InlineData(ExportPrecisions.Fp16, "vae", new[] { 200, 32 }, 0.002, 0.99)]
    [InlineData(ExportPrecisions.Bf16, "vae", new[] { 200, 32 }, 0.01, 0.98)]
    [InlineData(ExportPrecisions.Int8, "vae", new[] { 200, 32 }, 0.04, 0.97)]
    [InlineData(ExportPrecisions.Int8, "dae", new[] { 64 }, 0.025, 0.97)]
    public void ReducedPrecision_ScoresCloseToTheReference_AndKeepsMostOfTheTopK(string precision, string modelType, int[] dims, double maxError, double minOverlap)
    {
        using var directory = new TemporaryDirectory();
        var weights = RandomWeights.Create(modelType, Items, dims, seed: 5);
        OnnxExporter.Export(weights, directory.Path, precision: precision);
        using var recommender = OnnxRecommender.Open(directory.Path);

        var top = recommender.Recommend(CsrMatrix.FromRows(Histories, Items), K);

        double worstError = 0, overlap = 0;
        for (int u = 0; u < Histories.Length; u++)
        {
            double[] logits = ReferenceMultVae.Logits(weights, Histories[u]);
            int[] items = top.Items(u).ToArray();
            Assert.Empty(items.Intersect(Histories[u])); // the mask is as before
            for (int r = 0; r < K; r++) worstError = Math.Max(worstError, Math.Abs(logits[items[r]] - top.Scores(u)[r]));
            overlap += ReferenceMultVae.TopK(weights, Histories[u], K).Intersect(items).Count() / (double)K;
        }
        overlap /= Histories.Length;
        TestContext.Current.SendDiagnosticMessage($"{precision} {modelType}: worst |score - reference| {worstError:G3}, top-{K} overlap {overlap:F4}");
        Assert.InRange(worstError, 1e-5, maxError); // above 1e-5: the weights really were stored otherwise
        Assert.InRange(overlap, minOverlap, 1.0);
    }

    [Theory]
    [InlineData(ExportPrecisions.Fp16, (int)DataType.Float16)]
    [InlineData(ExportPrecisions.Bf16, (int)DataType.Bfloat16)]
    public void HalfPrecision_StoresEveryWeightMatrixInHalf_AndHalvesTheFile(string precision, int stored)
    {
        using var full = new TemporaryDirectory();
        using var half = new TemporaryDirectory();
        var weights = RandomWeights.Create("vae", Items, [200, 32], seed: 5);
        OnnxExporter.Export(weights, full.Path);
        OnnxExporter.Export(weights, half.Path, precision: precision);

        foreach (string file in new[] { ModelFiles.Recommender, ModelFiles.Encoder })
        {
            var model = Read(half.Combine(file));
            Assert.Equal(precision, Metadata(model, "precision"));
            foreach (var tensor in model.Graph.Initializer.Where(t => t.Name.EndsWith("_weight", StringComparison.Ordinal)))
                Assert.Equal(stored, tensor.DataType);
            Assert.All(model.Graph.Initializer.Where(t => t.Name.EndsWith("_bias", StringComparison.Ordinal)), bias => Assert.Equal((int)DataType.Float, bias.DataType));
            double ratio = (double)new FileInfo(half.Combine(file)).Length / new FileInfo(full.Combine(file)).Length;
            Assert.InRange(ratio, 0.49, 0.52);
        }
    }

    [Fact]
    public void Int8_QuantisesTheDecoderOutputLayerOnly()
    {
        using var directory = new TemporaryDirectory();
        OnnxExporter.Export(RandomWeights.Create("vae", Items, [200, 32], seed: 5), directory.Path, precision: ExportPrecisions.Int8);

        var recommender = Read(directory.Combine(ModelFiles.Recommender));
        var types = recommender.Graph.Initializer.Where(t => t.Name.EndsWith("_weight", StringComparison.Ordinal)).ToDictionary(t => t.Name, t => (DataType)t.DataType);
        Assert.Equal(DataType.Int8, types["decoder_1_weight"]);
        Assert.All(types.Where(t => t.Key != "decoder_1_weight"), t => Assert.Equal(DataType.Float, t.Value));
        Assert.Equal([(long)Items], recommender.Graph.Initializer.Single(t => t.Name == "decoder_1_weight_scale").Dims);
        Assert.Equal(ExportPrecisions.Int8, Metadata(recommender, "precision"));
        // The encoder graph has no decoder: float32 throughout, and its metadata says so.
        var encoder = Read(directory.Combine(ModelFiles.Encoder));
        Assert.All(encoder.Graph.Initializer.Where(t => t.Name.StartsWith("encoder_", StringComparison.Ordinal)), t => Assert.Equal((int)DataType.Float, t.DataType));
        Assert.Equal(ExportPrecisions.Fp32, Metadata(encoder, "precision"));
    }

    /// <summary>
    /// What ONNX Runtime makes of the graphs when it loads them, as <see cref="OnnxRecommender"/> opens them:
    /// the int8 layer becomes its fused DynamicQuantizeMatMul kernel (the speed of int8 depends on it), and
    /// the casts of half-precision weights are folded away (float32 weights in memory, fp32's speed).
    /// </summary>
    [Theory]
    [InlineData(ExportPrecisions.Int8)]
    [InlineData(ExportPrecisions.Fp16)]
    [InlineData(ExportPrecisions.Bf16)]
    public void OnnxRuntime_FusesTheInt8Layer_AndFoldsTheHalfPrecisionCasts(string precision)
    {
        using var directory = new TemporaryDirectory();
        OnnxExporter.Export(RandomWeights.Create("vae", Items, [200, 32], seed: 5), directory.Path, precision: precision);
        string optimized = directory.Combine("optimized.onnx");
        using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, OptimizedModelFilePath = optimized })
        using (new InferenceSession(directory.Combine(ModelFiles.Recommender), options)) { }

        var graph = Read(optimized).Graph;
        var operators = graph.Node.Select(n => n.OpType).ToList();
        Assert.DoesNotContain("MatMulInteger", operators);
        Assert.DoesNotContain("DynamicQuantizeLinear", operators);
        Assert.Equal(precision == ExportPrecisions.Int8 ? 1 : 0, operators.Count(op => op == "DynamicQuantizeMatMul"));
        var weightNames = Read(directory.Combine(ModelFiles.Recommender)).Graph.Initializer.Select(t => t.Name).Where(name => name.EndsWith("_weight", StringComparison.Ordinal)).ToHashSet();
        Assert.DoesNotContain(graph.Node, n => n.OpType == "Cast" && n.Input.Any(weightNames.Contains));
        Assert.DoesNotContain(graph.Initializer, t => t.DataType is (int)DataType.Float16 or (int)DataType.Bfloat16);
    }

    /// <summary>
    /// Read back, each weight is within half a quantisation step of the original, the step being its own
    /// column's: the output layer's columns here differ in scale by 1000x, so one scale for the matrix would
    /// round the small columns to zero and fail.
    /// </summary>
    [Theory]
    [InlineData(ExportPrecisions.Fp32)]
    [InlineData(ExportPrecisions.Fp16)]
    [InlineData(ExportPrecisions.Bf16)]
    [InlineData(ExportPrecisions.Int8)]
    public void ExportedWeights_ReadsReducedPrecisionBackAsFloat32(string precision)
    {
        using var directory = new TemporaryDirectory();
        var weights = WithColumnScales(RandomWeights.Create("vae", 300, [40, 8], seed: 9));
        OnnxExporter.Export(weights, directory.Path, precision: precision);

        var back = ExportedWeights.Read(directory.Combine(ModelFiles.Recommender));

        Assert.Equal(("vae", 300), (back.ModelType, back.ItemCount));
        var layers = weights.Encoder.Take(weights.Encoder.Count - 1).Concat(weights.Decoder).ToList();
        var readLayers = back.Encoder.Take(back.Encoder.Count - 1).Concat(back.Decoder).ToList();
        Assert.Equal(layers.Count, readLayers.Count);
        for (int l = 0; l < layers.Count; l++)
        {
            var (original, read) = (layers[l], readLayers[l]);
            Assert.Equal((original.Inputs, original.Outputs), (read.Inputs, read.Outputs));
            Assert.Equal(original.Bias, read.Bias);
            bool quantised = precision == ExportPrecisions.Int8 && l == layers.Count - 1;
            for (int o = 0; o < original.Outputs; o++)
            {
                double columnMax = Enumerable.Range(0, original.Inputs).Max(i => Math.Abs(original.WeightAt(i, o)));
                for (int i = 0; i < original.Inputs; i++)
                {
                    double w = original.WeightAt(i, o);
                    double tolerance = quantised ? columnMax / WeightFormats.Int8Limit / 2 * 1.0001
                        : precision switch { ExportPrecisions.Fp16 => Math.Abs(w) / 2048 + 1e-7, ExportPrecisions.Bf16 => Math.Abs(w) / 256, _ => 0 };
                    Assert.InRange(read.WeightAt(i, o), w - tolerance, w + tolerance);
                }
            }
        }
    }

    [Fact]
    public void UnknownPrecision_IsRefused_AndWritesNothing()
    {
        using var directory = new TemporaryDirectory();

        var error = Assert.Throws<ArgumentException>(() => OnnxExporter.Export(RandomWeights.Create("vae", 50, [20, 8], seed: 1), directory.Path, precision: "fp8"));

        Assert.Contains("export precision 'fp8' is not one of fp32, fp16, bf16, int8", error.Message);
        Assert.Empty(Directory.GetFiles(directory.Path));
    }

    [Fact]
    public void Fp16_RefusesAWeightBeyondItsRange()
    {
        using var directory = new TemporaryDirectory();
        var weights = RandomWeights.Create("vae", 50, [20, 8], seed: 1);
        weights.Decoder[^1].Weight[7] = 70000f;

        var error = Assert.Throws<ArgumentException>(() => OnnxExporter.Export(weights, directory.Path, precision: ExportPrecisions.Fp16));

        Assert.Contains("decoder_1_weight holds 70000, beyond float16's range", error.Message);
    }

    /// <summary>The weights with the output layer's column o scaled by 10^(-3 o / (items - 1)): per-column scales matter.</summary>
    private static MultVaeWeights WithColumnScales(MultVaeWeights weights)
    {
        var output = weights.Decoder[^1];
        var scaled = (float[])output.Weight.Clone();
        for (int i = 0; i < scaled.Length; i++) scaled[i] *= MathF.Pow(10, -3f * (i % output.Outputs) / (output.Outputs - 1));
        return weights with { Decoder = [.. weights.Decoder.Take(weights.Decoder.Count - 1), output with { Weight = scaled }] };
    }

    private static ModelProto Read(string path) => ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));

    private static string? Metadata(ModelProto model, string key) => model.MetadataProps.SingleOrDefault(p => p.Key == key)?.Value;

    private static int[][] MakeHistories(int users, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, users).Select(_ => Enumerable.Range(0, Items).OrderBy(_ => random.Next()).Take(random.Next(0, 61)).Order().ToArray())];
    }
}

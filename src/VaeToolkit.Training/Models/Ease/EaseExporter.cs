using System.Globalization;
using VaeToolkit.Configuration;
using VaeToolkit.Runs;
using VaeToolkit.Training.Export;
using VaeToolkit.Training.Model;
using static TorchSharp.torch;
using DataType = VaeToolkit.Training.Export.Onnx.TensorProto.Types.DataType;

namespace VaeToolkit.Training.Models.Ease;

/// <summary>
/// Writes a fitted EASE model as the recommender graph every model exports: the scores x·B are the sum of B's
/// rows of the user's items (<see cref="OnnxItemLayer"/>, unnormalised, B stored as <c>ease_b_weight</c>),
/// then <see cref="RecommenderHead"/>. There is no encoder graph (EASE has no latent space). The item
/// embeddings are B's rows (how each item votes for every other), written while they stay under
/// <see cref="MaxEmbeddingBytes"/>.
/// </summary>
public static class EaseExporter
{
    /// <summary>ONNX stores a model in one protobuf message, which may not reach 2 GB.</summary>
    public const long MaxGraphBytes = 2_000_000_000;

    /// <summary>The item embeddings are skipped above this size: for large catalogues they would double the model folder.</summary>
    public const long MaxEmbeddingBytes = 1L << 30;

    /// <summary>Refuses, before any fitting, a catalogue whose B would not fit one ONNX file in <paramref name="precision"/>.</summary>
    public static void CheckSize(int items, string precision)
    {
        if (precision == ExportPrecisions.Int8)
            throw new ArgumentException("EASE's graph sums rows of its item-item matrix: export.precision int8 (for a network's output layer) does not apply; use fp32, fp16 or bf16");
        long bytes = GraphBytes(items, precision);
        if (bytes > MaxGraphBytes)
        {
            string hint = precision == ExportPrecisions.Fp32 && GraphBytes(items, ExportPrecisions.Fp16) <= MaxGraphBytes
                ? "; export.precision fp16 or bf16 halves it" : "";
            throw new ArgumentException(
                $"EASE's recommender graph on {items:N0} items would hold {items:N0} x {items:N0} weights ({bytes / 1e9:0.0} GB in {precision}), more than the 2 GB an ONNX file can hold{hint}");
        }
    }

    private static long GraphBytes(int items, string precision) =>
        (items + 1L) * items * (precision == ExportPrecisions.Fp32 ? 4 : 2);

    /// <param name="b">B, float64 or float32 [items, items], on any device.</param>
    public static void Export(Tensor b, string modelDirectory, IReadOnlyDictionary<string, string> metadata, string precision)
    {
        int items = (int)b.shape[0];
        CheckSize(items, precision);
        float[] weights;
        using (var floats = b.detach().to(ScalarType.Float32).cpu().contiguous()) weights = floats.data<float>().ToArray();

        var g = new OnnxGraphBuilder("vaetoolkit_recommender");
        var history = SparseHistory.Declare(g);
        string k = g.Input("k", DataType.Int64, 1);
        string scores = OnnxItemLayer.Build(g, history, new DenseLayer(items, items, weights, []), precision, normalize: false, name: "ease_b");
        RecommenderHead.Build(g, history, scores, k, items);

        var properties = new Dictionary<string, string>(metadata)
        {
            ["model_type"] = ModelTypes.Ease,
            ["item_count"] = items.ToString(CultureInfo.InvariantCulture),
            ["precision"] = precision,
        };
        OnnxExporter.Write(Path.Combine(modelDirectory, ModelFiles.Recommender), g.Build(), properties);
        if ((long)items * items * sizeof(float) <= MaxEmbeddingBytes)
            new ItemEmbeddings(items, items, weights).Save(Path.Combine(modelDirectory, ModelFiles.ItemEmbeddings));
    }
}

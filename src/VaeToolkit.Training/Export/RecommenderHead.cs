using static VaeToolkit.Training.Export.OnnxGraphBuilder;
using DataType = VaeToolkit.Training.Export.Onnx.TensorProto.Types.DataType;

namespace VaeToolkit.Training.Export;

/// <summary>
/// The end of every recommender graph, whatever the model: the history masked out of the scores (unless the
/// optional <c>exclude_seen</c> input is fed false), then the top k' = min(k, items) items and their scores,
/// best first, as the outputs <c>top_items</c> int64 [users, k'] and <c>top_scores</c> float [users, k'].
/// </summary>
internal static class RecommenderHead
{
    /// <param name="scores">float [users, items]: higher is better.</param>
    /// <param name="k">The graph's int64 [1] input k.</param>
    public static void Build(OnnxGraphBuilder g, SparseHistory history, string scores, string k, int itemCount)
    {
        // The user's own items are not recommended unless exclude_seen is fed false: their scores are
        // overwritten with -inf. An initializer that is also a graph input is an overridable default
        // (IR >= 4), which ONNX Runtime does not fold into a constant. Only nnz values are touched.
        string excludeSeen = g.Input(OnnxExporter.ExcludeSeenInput, DataType.Bool, 1);
        g.Initializer(OnnxExporter.ExcludeSeenInput, [true], 1);
        string pairs = g.Node("Concat", [history.EntryRows, g.Node("Unsqueeze", history.Items, g.Int64s(1))], IntAttribute("axis", 1));
        string seenScores = g.Node("GatherND", scores, pairs);
        string updates = g.Node("Where", excludeSeen, g.Float32s(float.NegativeInfinity), seenScores);
        string masked = g.Node("ScatterND", scores, pairs, updates);

        string clampedK = g.Node("Min", k, g.Int64s(itemCount));
        string[] top = g.NodeWithOutputs("TopK", [masked, clampedK], ["top_scores_raw", "top_items_raw"],
            IntAttribute("axis", -1), IntAttribute("largest", 1), IntAttribute("sorted", 1));
        g.Output(top[1], "top_items", DataType.Int64, "users", "k");
        g.Output(top[0], "top_scores", DataType.Float, "users", "k");
    }
}

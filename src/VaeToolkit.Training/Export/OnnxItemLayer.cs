using VaeToolkit.Training.Model;
using static VaeToolkit.Training.Export.OnnxGraphBuilder;
using DataType = VaeToolkit.Training.Export.Onnx.TensorProto.Types.DataType;

namespace VaeToolkit.Training.Export;

/// <summary>
/// The encoder's first layer on a sparse history: for each user, the sum of the weight rows of their
/// items (an embedding bag), times 1/sqrt(count), plus the bias. ONNX has no embedding-bag operator, and
/// the obvious forms are slow or wrong on ONNX Runtime's CPU provider: ScatterElements with
/// <c>reduction="add"</c> costs tens of nanoseconds per float (it was 90% of the graph's time at
/// ML-20M's shape), ScatterND with "add" races between threads on a user whose entries straddle two of
/// them, and a dense multi-hot MatMul costs as much as the decoder. So the sum is taken in two steps
/// that use only fast, race-free operators:
/// <list type="number">
/// <item>each user's items are laid out in chunks of <see cref="ChunkLength"/> slots, the unused slots
/// pointing at an extra all-zero weight row; one Gather and a ReduceSum over the slots give each chunk's
/// sum, [chunks, h];</item>
/// <item>a running sum over the chunks (in float64, so that taking differences of large running totals
/// loses nothing) gives each user's sum as the difference at their first and past-last chunk.</item>
/// </list>
/// </summary>
internal static class OnnxItemLayer
{
    /// <summary>Slots per chunk: more wastes more padding on short histories, fewer leaves more chunks to the float64 pass.</summary>
    public const long ChunkLength = 16;

    /// <param name="storage">How the weights are stored: fp32, fp16 or bf16 (<see cref="WeightFormats.FloatMatrix"/>).</param>
    /// <param name="normalize">
    /// Whether the sum is scaled by 1/sqrt(count), the L2-normalised history of the autoencoders; false for a
    /// plain sum of rows (EASE's x·B). A layer with no biases (an empty array) adds none.
    /// </param>
    /// <param name="name">
    /// The initializers' name stem: <c>name_weight</c>, [items + 1, h] with the last row all zeros (the padding
    /// slots' row), and <c>name_bias</c>.
    /// </param>
    public static string Build(OnnxGraphBuilder g, SparseHistory history, DenseLayer layer, string storage, bool normalize = true, string name = "encoder_0")
    {
        var padded = new float[(layer.Inputs + 1L) * layer.Outputs];
        layer.Weight.CopyTo(padded, 0);
        string weights = WeightFormats.FloatMatrix(g, $"{name}_weight", padded, storage, layer.Inputs + 1, layer.Outputs);
        string padIndex = g.Int64s(layer.Inputs);
        string chunkLength = g.Int64s(ChunkLength);
        string axis0 = g.Int64Scalar(0);

        // Chunks per user (ceil(count / L)), and where each user's chunks end and start.
        string chunks = g.Node("Div", g.Node("Add", history.Counts, g.Int64s(ChunkLength - 1)), chunkLength);
        string chunkEnds = g.Node("CumSum", chunks, axis0);
        string chunkStarts = g.Node("Sub", chunkEnds, chunks);
        string chunkCount = g.Node("ReduceSum", [chunks], IntAttribute("keepdims", 1));

        // Entry j of user u, the r-th of u's items, goes to slot chunkStart[u] * L + r.
        string entryIndex = g.Node("Range", g.Int64Scalar(0), g.Node("Squeeze", history.EntryCount), g.Int64Scalar(1));
        string rank = g.Node("Sub", entryIndex, g.Node("Gather", [history.Offsets, history.Rows], IntAttribute("axis", 0)));
        string slot = g.Node("Add", g.Node("Mul", g.Node("Gather", [chunkStarts, history.Rows], IntAttribute("axis", 0)), chunkLength), rank);
        string emptySlots = g.Node("Expand", padIndex, g.Node("Mul", chunkCount, chunkLength));
        string slotItems = g.Node("ScatterND", emptySlots, g.Node("Unsqueeze", slot, g.Int64s(1)), history.Items);

        string chunkItems = g.Node("Reshape", slotItems, g.Node("Concat", [chunkCount, chunkLength], IntAttribute("axis", 0)));
        string chunkSums = g.Node("ReduceSum", [g.Node("Gather", [weights, chunkItems], IntAttribute("axis", 0)), g.Int64s(1)], IntAttribute("keepdims", 0));

        // Running sums with a zero row in front: user u's sum is running[end] - running[start].
        string running = g.Node("CumSum", g.Node("Cast", [chunkSums], IntAttribute("to", (long)DataType.Double)), axis0);
        string runningFromZero = g.Node("Pad", running, g.Int64s(1, 0, 0, 0));
        string sums = g.Node("Sub",
            g.Node("Gather", [runningFromZero, chunkEnds], IntAttribute("axis", 0)),
            g.Node("Gather", [runningFromZero, chunkStarts], IntAttribute("axis", 0)));

        string floats = g.Node("Cast", [sums], IntAttribute("to", (long)DataType.Float));
        string scaled = normalize ? g.Node("Mul", floats, history.Scale) : floats;
        return layer.Bias.Length == 0 ? scaled : g.Node("Add", scaled, g.Initializer($"{name}_bias", layer.Bias, layer.Outputs));
    }
}

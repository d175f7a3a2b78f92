using static VaeToolkit.Training.Export.OnnxGraphBuilder;
using DataType = VaeToolkit.Training.Export.Onnx.TensorProto.Types.DataType;

namespace VaeToolkit.Training.Export;

/// <summary>
/// The sparse history inputs of a graph (<c>item_indices</c>, <c>user_offsets</c>) and the values
/// derived from them that the encoder and the history mask need. Each property is a value name.
/// </summary>
/// <param name="Items">item_indices, int64 [nnz].</param>
/// <param name="Offsets">user_offsets, int64 [users + 1].</param>
/// <param name="EntryCount">nnz, int64 [1].</param>
/// <param name="UserCount">The number of users, int64 [1].</param>
/// <param name="Rows">The user (row) of each entry, int64 [nnz].</param>
/// <param name="EntryRows">The same as [nnz, 1]: ScatterND's index form.</param>
/// <param name="Counts">The number of items of each user, int64 [users].</param>
/// <param name="Scale">1 / sqrt(max(count, 1)) per user, float [users, 1].</param>
internal sealed record SparseHistory(string Items, string Offsets, string EntryCount, string UserCount, string Rows, string EntryRows, string Counts, string Scale)
{
    public static SparseHistory Declare(OnnxGraphBuilder g)
    {
        string items = g.Input("item_indices", DataType.Int64, "nnz");
        string offsets = g.Input("user_offsets", DataType.Int64, "users_plus_one");
        string zero = g.Int64s(0);
        string one = g.Int64s(1);
        string last = g.Int64s(-1);

        string entryCount = g.Node("Shape", items);
        string userCount = g.Node("Sub", g.Node("Shape", offsets), one);

        // The row of every entry in O(nnz + users): put a 1 where each user after the first starts,
        // then take the running sum. Users without items start where the next one does, so their
        // marks add up; trailing ones mark position nnz, which one extra slot absorbs.
        string starts = g.Node("Slice", offsets, one, last);
        string marks = g.Node("ScatterElements",
            [
                g.Node("ConstantOfShape", [g.Node("Add", entryCount, one)], FillAttribute(0L)),
                starts,
                g.Node("ConstantOfShape", [g.Node("Shape", starts)], FillAttribute(1L)),
            ],
            IntAttribute("axis", 0), TextAttribute("reduction", "add"));
        string rows = g.Node("Slice", g.Node("CumSum", marks, g.Int64Scalar(0)), zero, entryCount);
        string entryRows = g.Node("Unsqueeze", rows, one);

        string counts = g.Node("Sub", g.Node("Slice", offsets, one, g.Int64s(long.MaxValue)), g.Node("Slice", offsets, zero, last));
        string atLeastOne = g.Node("Max", g.Node("Cast", [counts], IntAttribute("to", (long)DataType.Float)), g.Float32s(1f));
        string scale = g.Node("Unsqueeze", g.Node("Reciprocal", g.Node("Sqrt", atLeastOne)), one);

        return new SparseHistory(items, offsets, entryCount, userCount, rows, entryRows, counts, scale);
    }
}

using System.Globalization;

namespace VaeToolkit.Data.Splitting;

/// <summary>
/// Orders ids as the reference preprocessing does for MovieLens: integer ids by value, before any
/// other id; other ids by ordinal comparison. Ties (such as "7" and "07") fall back to ordinal order,
/// so the order is total and independent of the order rows were read in.
/// </summary>
internal static class IdOrder
{
    /// <summary>Sorts indices into <paramref name="ids"/> in this order, parsing each id once rather than at every comparison.</summary>
    public static void Sort(int[] indices, IReadOnlyList<string> ids)
    {
        var keys = new (bool IsText, long Value, string Id)[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            string id = ids[indices[i]];
            bool isNumber = long.TryParse(id, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value);
            keys[i] = (!isNumber, value, id);
        }
        Array.Sort(keys, indices, Comparer<(bool IsText, long Value, string Id)>.Create((a, b) =>
        {
            int order = a.IsText.CompareTo(b.IsText);
            if (order == 0) order = a.Value.CompareTo(b.Value);
            return order != 0 ? order : string.CompareOrdinal(a.Id, b.Id);
        }));
    }
}

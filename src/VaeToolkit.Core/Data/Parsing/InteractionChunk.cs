using System.Globalization;

namespace VaeToolkit.Data.Parsing;

/// <summary>
/// A run of consecutive rows of an interactions file, as <see cref="InteractionStream"/> hands them over:
/// each row's user and item as keys local to the chunk, whose ids (UTF-8) <see cref="UserId"/> and
/// <see cref="ItemId"/> give back. Only valid during the callback that receives it.
/// </summary>
public sealed class InteractionChunk
{
    private readonly SegmentRows rows;

    internal InteractionChunk(SegmentRows rows, double fractionRead)
    {
        this.rows = rows;
        FractionRead = fractionRead;
    }

    public int Count => rows.Users.Count;

    /// <summary>How far into the file this chunk ends, from 0 to 1.</summary>
    public double FractionRead { get; }

    public int UserKey(int row) => rows.Users[row];

    public int ItemKey(int row) => rows.Items[row];

    /// <summary>The id of a user key, as UTF-8; <paramref name="scratch"/> (at least 10 bytes) holds numeric ids.</summary>
    public ReadOnlySpan<byte> UserId(int key, Span<byte> scratch) => Id(rows.UserKeys, key, scratch);

    /// <summary>The id of an item key, as UTF-8; <paramref name="scratch"/> (at least 10 bytes) holds numeric ids.</summary>
    public ReadOnlySpan<byte> ItemId(int key, Span<byte> scratch) => Id(rows.ItemKeys, key, scratch);

    // IdKeys: a plain decimal id is its own (non-negative) key, any other is ~(its place among the texts).
    private static ReadOnlySpan<byte> Id(IdKeys keys, int key, Span<byte> scratch)
    {
        if (key < 0) return keys.Texts[~key];
        if (!key.TryFormat(scratch, out int written, provider: CultureInfo.InvariantCulture))
            throw new ArgumentException($"the scratch buffer holds {scratch.Length} bytes; a numeric id needs up to 10", nameof(scratch));
        return scratch[..written];
    }
}

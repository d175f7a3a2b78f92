using System.Runtime.CompilerServices;
using System.Text;
using VaeToolkit.Configuration;

namespace VaeToolkit.Data.Parsing;

/// <summary>
/// Turns the ids of one column of one file segment into <c>int</c> keys without allocating per row. An id
/// written as a plain decimal number (digits only, no leading zero, at most 9 digits) is its own key, so
/// MovieLens, Netflix and Pinterest ids need no lookup at all; any other id is <c>~i</c>, where <c>i</c> is
/// its place in <see cref="Texts"/>, this segment's distinct non-numeric ids in order of appearance.
/// <see cref="InteractionTable"/> later numbers the keys of all segments. A new non-numeric id must be valid
/// text in the file's encoding (checked once per distinct id): decoding malformed ids would merge them.
/// </summary>
/// <param name="what">How errors name the ids: <c>user id</c>, <c>item id</c>.</param>
internal sealed class IdKeys(string what, Encoding encoding)
{
    private readonly Dictionary<byte[], int> _index = new(ByteStringComparer.Instance);
    private byte[] _last = [];
    private int _lastKey;

    public List<byte[]> Texts { get; } = [];

    /// <summary>The largest numeric key seen, or -1.</summary>
    public int MaxNumber { get; private set; } = -1;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Key(ReadOnlySpan<byte> id)
    {
        if (id.Length is > 0 and <= 9 && (id.Length == 1 || id[0] != (byte)'0'))
        {
            int value = 0;
            foreach (byte b in id)
            {
                uint digit = (uint)(b - '0');
                if (digit > 9) return TextKey(id);
                value = value * 10 + (int)digit;
            }
            if (value > MaxNumber) MaxNumber = value;
            return value;
        }
        return TextKey(id);
    }

    /// <summary>The key of an id held as a number (a Parquet integer column): the same key its decimal text would get.</summary>
    public int Key(long id)
    {
        if (id is >= 0 and <= 999_999_999)
        {
            if (id > MaxNumber) MaxNumber = (int)id;
            return (int)id;
        }
        Span<byte> text = stackalloc byte[20];
        id.TryFormat(text, out int written, provider: System.Globalization.CultureInfo.InvariantCulture);
        return TextKey(text[..written]);
    }

    // Files are often grouped by user, so the previous id is checked before the dictionary.
    private int TextKey(ReadOnlySpan<byte> id)
    {
        if (id.SequenceEqual(_last)) return _lastKey;
        var lookup = _index.GetAlternateLookup<ReadOnlySpan<byte>>();
        if (!lookup.TryGetValue(id, out int index))
        {
            if (!TextEncodings.IsValid(encoding, id)) throw NotText(id);
            index = Texts.Count;
            byte[] text = id.ToArray();
            _index.Add(text, index);
            Texts.Add(text);
        }
        _last = Texts[index];
        _lastKey = ~index;
        return _lastKey;
    }

    private LineFormatException NotText(ReadOnlySpan<byte> id) =>
        new($"the {what} '{TextEncodings.Escape(id)}' is not valid {TextEncodings.NameOf(encoding)}; set data.encoding to the file's encoding (such as latin-1)");
}

namespace VaeToolkit.Data.Parsing;

/// <summary>
/// Compares byte strings by content, and lets a <c>Dictionary&lt;byte[], T&gt;</c> be searched with a
/// <see cref="ReadOnlySpan{T}"/> of bytes, so that looking up an id read from a buffer allocates nothing.
/// </summary>
public sealed class ByteStringComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    public static readonly ByteStringComparer Instance = new();

    public bool Equals(byte[]? x, byte[]? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

    public int GetHashCode(byte[] bytes) => GetHashCode(bytes.AsSpan());

    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<byte> alternate)
    {
        var hash = new HashCode();
        hash.AddBytes(alternate);
        return hash.ToHashCode();
    }

    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
}

using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using VaeToolkit.IO;

namespace VaeToolkit.Runs;

/// <summary>
/// One float32 vector per item (<see cref="ModelFiles.ItemEmbeddings"/>), row-major [<see cref="Count"/>,
/// <see cref="Dimensions"/>]. On disk a NumPy <c>.npy</c> file (format 1.0, <c>&lt;f4</c>, C order), so
/// <c>numpy.load</c> reads it as it is.
/// </summary>
public sealed partial class ItemEmbeddings
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    // Magic, two version bytes and the header's length: 10 bytes in format 1.0, 12 in 2.0 and 3.0.
    private const int PreambleV1 = 10;
    private const int Alignment = 64;

    private readonly float[] values;

    /// <param name="values">Row-major: item i's vector is <c>values[i * dimensions .. (i + 1) * dimensions]</c>.</param>
    public ItemEmbeddings(int count, int dimensions, float[] values)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        if (values.LongLength != (long)count * dimensions)
            throw new ArgumentException($"{values.LongLength} values for {count} items of {dimensions} dimensions", nameof(values));
        Count = count;
        Dimensions = dimensions;
        this.values = values;
    }

    public int Count { get; }

    public int Dimensions { get; }

    /// <summary>All vectors, row-major.</summary>
    public ReadOnlySpan<float> Values => values;

    public ReadOnlySpan<float> Row(int item) => values.AsSpan(checked(item * Dimensions), Dimensions);

    /// <summary>Writes the NPY file atomically.</summary>
    public void Save(string path)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("writing item embeddings needs a little-endian machine");
        byte[] header = Header(Count, Dimensions);
        AtomicFile.Write(path, stream =>
        {
            stream.Write(header);
            stream.Write(MemoryMarshal.AsBytes(values.AsSpan()));
        });
    }

    /// <summary>
    /// Reads an NPY file of float32 little-endian values in C order, two-dimensional. Anything else
    /// (another file, dtype, order or rank, or fewer values than the shape says) is an
    /// <see cref="InvalidDataException"/> naming the file.
    /// </summary>
    public static ItemEmbeddings Load(string path)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("reading item embeddings needs a little-endian machine");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        Span<byte> preamble = stackalloc byte[12];
        if (ReadFully(stream, preamble[..8]) < 8 || !preamble[..6].SequenceEqual(Magic))
            throw new InvalidDataException($"{path}: not a NumPy .npy file (bad magic)");
        byte major = preamble[6];
        int headerLength;
        if (major == 1)
        {
            if (ReadFully(stream, preamble.Slice(8, 2)) < 2) throw Truncated(path);
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(preamble.Slice(8, 2));
        }
        else if (major is 2 or 3)
        {
            if (ReadFully(stream, preamble.Slice(8, 4)) < 4) throw Truncated(path);
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(preamble.Slice(8, 4));
            if (length > 1 << 20) throw new InvalidDataException($"{path}: the NPY header claims {length} bytes");
            headerLength = (int)length;
        }
        else
        {
            throw new InvalidDataException($"{path}: NPY format version {major}.{preamble[7]} is not supported (1.0, 2.0 or 3.0)");
        }

        var headerBytes = new byte[headerLength];
        if (ReadFully(stream, headerBytes) < headerLength) throw Truncated(path);
        var (rows, columns) = ParseHeader(path, Encoding.Latin1.GetString(headerBytes));

        long count = (long)rows * columns;
        if (count > Array.MaxLength) throw new InvalidDataException($"{path}: shape ({rows}, {columns}) is too large");
        var values = new float[count];
        int read = ReadFully(stream, MemoryMarshal.AsBytes(values.AsSpan()));
        if (read < count * sizeof(float))
            throw new InvalidDataException($"{path}: truncated: the shape ({rows}, {columns}) needs {count * sizeof(float)} bytes of data, the file has {read}");
        if (stream.ReadByte() >= 0)
            throw new InvalidDataException($"{path}: more data than the shape ({rows}, {columns}) holds");
        return new ItemEmbeddings(rows, columns, values);
    }

    /// <summary>The magic, version 1.0, the header's length and the header, space-padded so that the data starts at a multiple of 64 bytes.</summary>
    private static byte[] Header(int rows, int columns)
    {
        string dictionary = string.Create(CultureInfo.InvariantCulture, $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {columns}), }}");
        int total = (PreambleV1 + dictionary.Length + 1 + Alignment - 1) / Alignment * Alignment;
        string padded = dictionary.PadRight(total - PreambleV1 - 1) + "\n";
        var header = new byte[total];
        Magic.CopyTo(header, 0);
        header[6] = 1;
        header[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), (ushort)padded.Length);
        Encoding.ASCII.GetBytes(padded, header.AsSpan(PreambleV1));
        return header;
    }

    private static (int Rows, int Columns) ParseHeader(string path, string header)
    {
        string descr = DescrPattern().Match(header) is { Success: true } d ? d.Groups[1].Value
            : throw new InvalidDataException($"{path}: the NPY header has no 'descr': {header.Trim()}");
        if (descr != "<f4")
            throw new InvalidDataException($"{path}: dtype '{descr}' is not supported; item embeddings are little-endian float32 ('<f4')");
        string order = FortranPattern().Match(header) is { Success: true } f ? f.Groups[1].Value
            : throw new InvalidDataException($"{path}: the NPY header has no 'fortran_order': {header.Trim()}");
        if (order != "False")
            throw new InvalidDataException($"{path}: Fortran (column-major) order is not supported; item embeddings are in C order");
        Match shape = ShapePattern().Match(header);
        if (!shape.Success) throw new InvalidDataException($"{path}: the NPY header has no 'shape': {header.Trim()}");
        string[] dims = shape.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (dims.Length != 2)
            throw new InvalidDataException($"{path}: shape ({shape.Groups[1].Value}) has rank {dims.Length}; item embeddings are two-dimensional (items, dim)");
        if (!int.TryParse(dims[0], NumberStyles.None, CultureInfo.InvariantCulture, out int rows)
            || !int.TryParse(dims[1], NumberStyles.None, CultureInfo.InvariantCulture, out int columns) || columns < 1)
            throw new InvalidDataException($"{path}: shape ({shape.Groups[1].Value}) is not (items, dim) with dim of at least 1");
        return (rows, columns);
    }

    private static InvalidDataException Truncated(string path) => new($"{path}: truncated: the NPY header is incomplete");

    private static int ReadFully(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int read = stream.Read(buffer[total..]);
            if (read == 0) break;
            total += read;
        }
        return total;
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}

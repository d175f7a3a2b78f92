using System.Runtime.InteropServices;
using System.Text;
using VaeToolkit.IO;

namespace VaeToolkit.Data;

/// <summary>
/// The binary file format for a <see cref="CsrMatrix"/> with an id per row (".vcsr"): magic "VCSR",
/// format version, rows, columns, non-zeros, row offsets (int64), column indices (int32), row ids.
/// Little-endian throughout; written atomically.
/// </summary>
public static class CsrFile
{
    private const int Magic = 0x52534356; // "VCSR"
    private const int Version = 1;

    public static void Save(string path, CsrMatrix matrix, IReadOnlyList<string> rowIds)
    {
        if (rowIds.Count != matrix.RowCount)
            throw new ArgumentException($"{rowIds.Count} row ids for {matrix.RowCount} rows", nameof(rowIds));
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(Version);
            WriteMatrix(writer, matrix);
            foreach (string id in rowIds) writer.Write(id);
        });
    }

    /// <summary>Reads a matrix and its row ids.</summary>
    /// <exception cref="InvalidDataException">The file is not a .vcsr file, or is truncated or damaged; the message names the file and what is wrong.</exception>
    public static (CsrMatrix Matrix, string[] RowIds) Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"interactions file not found: {path}", path);
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        return ReadChecked(path, () =>
        {
            if (reader.ReadInt32() != Magic) throw new InvalidDataException($"{path}: not a VaeToolkit interactions (.vcsr) file");
            int version = reader.ReadInt32();
            if (version != Version) throw new InvalidDataException($"{path}: format version {version} is not supported (expected {Version})");
            CsrMatrix matrix = ReadMatrix(reader, path);
            var ids = new string[matrix.RowCount];
            for (int r = 0; r < ids.Length; r++) ids[r] = reader.ReadString();
            if (stream.Position != stream.Length)
                throw new InvalidDataException($"{path}: {stream.Length - stream.Position} bytes after the last row id (damaged file)");
            return (matrix, ids);
        });
    }

    /// <summary>Rows, columns, non-zeros, row offsets and column indices: the matrix part of the format, shared with the prepared data cache.</summary>
    internal static void WriteMatrix(BinaryWriter writer, CsrMatrix matrix)
    {
        writer.Write(matrix.RowCount);
        writer.Write(matrix.ColumnCount);
        writer.Write(matrix.NonZeroCount);
        writer.Write(MemoryMarshal.AsBytes(matrix.RowOffsets.AsSpan()));
        writer.Write(MemoryMarshal.AsBytes(matrix.Indices.AsSpan()));
    }

    /// <summary>
    /// Reads what <see cref="WriteMatrix"/> wrote, checking it before trusting it: the counts against the
    /// bytes left in the file (before anything is allocated from them), the offsets (from 0, never
    /// decreasing, ending at the non-zero count) and every index against the column count.
    /// </summary>
    /// <exception cref="InvalidDataException">Any of these checks fails; the message names the file.</exception>
    internal static CsrMatrix ReadMatrix(BinaryReader reader, string path)
    {
        int rows = reader.ReadInt32();
        int columns = reader.ReadInt32();
        long nonZeros = reader.ReadInt64();
        if (rows < 0 || columns < 0 || nonZeros < 0 || nonZeros > Array.MaxLength)
            throw new InvalidDataException($"{path}: corrupt matrix header ({rows} rows, {columns} columns, {nonZeros} non-zeros)");
        long needed = (rows + 1L) * sizeof(long) + nonZeros * sizeof(int);
        long left = reader.BaseStream.Length - reader.BaseStream.Position;
        if (needed > left)
            throw new InvalidDataException($"{path}: corrupt matrix header or truncated file ({rows} rows and {nonZeros} non-zeros need {needed} bytes, {left} are left)");

        var offsets = new long[rows + 1];
        var indices = new int[nonZeros];
        reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(offsets.AsSpan()));
        reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(indices.AsSpan()));

        if (offsets[0] != 0) throw new InvalidDataException($"{path}: the row offsets start at {offsets[0]}, not 0");
        for (int r = 0; r < rows; r++)
        {
            if (offsets[r + 1] < offsets[r] || offsets[r + 1] > nonZeros)
                throw new InvalidDataException($"{path}: row offset {r + 1} is {offsets[r + 1]}, outside {offsets[r]}..{nonZeros}");
        }
        if (offsets[rows] != nonZeros)
            throw new InvalidDataException($"{path}: the row offsets end at {offsets[rows]}, not at the {nonZeros} non-zeros");
        for (long i = 0; i < indices.LongLength; i++)
        {
            if ((uint)indices[i] >= (uint)columns)
                throw new InvalidDataException($"{path}: column index {indices[i]} (non-zero {i}) is outside 0..{columns - 1}");
        }
        return new CsrMatrix(columns, offsets, indices);
    }

    /// <summary>
    /// Runs a reader over a binary file and turns what a damaged file makes <see cref="BinaryReader"/>
    /// throw (end of stream, a bad string length or 7-bit count) into an <see cref="InvalidDataException"/>
    /// naming the file (a negative string length is a plain <see cref="IOException"/>). Shared with the
    /// prepared data cache.
    /// </summary>
    internal static T ReadChecked<T>(string path, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{path}: file is truncated", e);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException || e.GetType() == typeof(IOException))
        {
            throw new InvalidDataException($"{path}: corrupt contents ({e.Message})", e);
        }
    }
}

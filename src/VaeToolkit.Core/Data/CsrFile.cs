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

    public static (CsrMatrix Matrix, string[] RowIds) Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"interactions file not found: {path}", path);
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            if (reader.ReadInt32() != Magic) throw new InvalidDataException($"{path}: not a VaeToolkit interactions (.vcsr) file");
            int version = reader.ReadInt32();
            if (version != Version) throw new InvalidDataException($"{path}: format version {version} is not supported (expected {Version})");
            CsrMatrix matrix = ReadMatrix(reader, path);
            var ids = new string[matrix.RowCount];
            for (int r = 0; r < ids.Length; r++) ids[r] = reader.ReadString();
            return (matrix, ids);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{path}: file is truncated", e);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: corrupt contents ({e.Message})", e);
        }
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

    /// <summary>Reads what <see cref="WriteMatrix"/> wrote; throws <see cref="InvalidDataException"/> on a corrupt header.</summary>
    internal static CsrMatrix ReadMatrix(BinaryReader reader, string path)
    {
        int rows = reader.ReadInt32();
        int columns = reader.ReadInt32();
        long nonZeros = reader.ReadInt64();
        if (rows < 0 || columns < 0 || nonZeros < 0 || nonZeros > int.MaxValue)
            throw new InvalidDataException($"{path}: corrupt header");
        var offsets = new long[rows + 1];
        var indices = new int[nonZeros];
        reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(offsets.AsSpan()));
        reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(indices.AsSpan()));
        return new CsrMatrix(columns, offsets, indices);
    }
}

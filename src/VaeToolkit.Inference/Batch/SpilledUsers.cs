using System.Buffers.Binary;
using System.Text;
using VaeToolkit.Data.Parsing;

namespace VaeToolkit.Inference.Batch;

/// <summary>
/// The second pass of a batch job: one spill file of <see cref="UserPartitioner"/> read back and grouped,
/// each user once, in order of first appearance, with their known items sorted and without repeats (a
/// history is a set of items, as in training).
/// </summary>
/// <remarks>
/// A shuffled input leaves about one record per row (a user's rows rarely meet in a chunk), so records
/// are read from a buffer and their ids looked up as bytes: nothing is allocated per record.
/// </remarks>
internal static class SpilledUsers
{
    public static List<(string UserId, int[] Items)> Read(string path, long records)
    {
        var slotById = new Dictionary<byte[], int>(ByteStringComparer.Instance);
        var lookup = slotById.GetAlternateLookup<ReadOnlySpan<byte>>();
        var ids = new List<byte[]>();
        var items = new List<List<int>>();
        using var reader = new SpillReader(path);
        for (long r = 0; r < records; r++)
        {
            ReadOnlySpan<byte> id = reader.Next(reader.Int32());
            if (!lookup.TryGetValue(id, out int slot))
            {
                slot = ids.Count;
                byte[] key = id.ToArray();
                slotById.Add(key, slot);
                ids.Add(key);
                items.Add([]);
            }
            var history = items[slot];
            for (int count = reader.Int32(); count > 0; count--) history.Add(reader.Int32());
        }
        var users = new List<(string UserId, int[] Items)>(ids.Count);
        for (int u = 0; u < ids.Count; u++) users.Add((Encoding.UTF8.GetString(ids[u]), Distinct(items[u])));
        return users;
    }

    private static int[] Distinct(List<int> items)
    {
        items.Sort();
        int kept = 0;
        for (int i = 0; i < items.Count; i++)
            if (i == 0 || items[i] != items[i - 1]) items[kept++] = items[i];
        return [.. items.GetRange(0, kept)];
    }

    /// <summary>Little-endian values and byte runs from a file, through one reused buffer.</summary>
    private sealed class SpillReader(string path) : IDisposable
    {
        private readonly FileStream stream = new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        private byte[] buffer = new byte[1 << 20];
        private int start, end;

        public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Next(sizeof(int)));

        /// <summary>The next <paramref name="length"/> bytes; valid until the next call.</summary>
        public ReadOnlySpan<byte> Next(int length)
        {
            if (end - start < length) Fill(length);
            var bytes = buffer.AsSpan(start, length);
            start += length;
            return bytes;
        }

        private void Fill(int length)
        {
            if (length > buffer.Length) Array.Resize(ref buffer, length);
            int kept = end - start;
            buffer.AsSpan(start, kept).CopyTo(buffer);
            (start, end) = (0, kept);
            while (end < length)
            {
                int read = stream.Read(buffer, end, buffer.Length - end);
                if (read == 0) throw new EndOfStreamException($"{path} ends inside a record: the spill file was cut short");
                end += read;
            }
        }

        public void Dispose() => stream.Dispose();
    }
}

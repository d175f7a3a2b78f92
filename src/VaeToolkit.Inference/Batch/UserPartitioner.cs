using System.Text;
using VaeToolkit.Data.Parsing;
using VaeToolkit.Runs;

namespace VaeToolkit.Inference.Batch;

/// <summary>
/// The first pass of a batch job, which groups users whose rows may lie anywhere in the input without
/// holding the input: each chunk's rows are grouped by user, the user's shard is checked, the item ids
/// become the model's item indices (unknown ones are counted and dropped), and the user's part of the
/// chunk is appended to one of <see cref="BucketCount"/> spill files chosen by the hash of the user id.
/// Every row of a user thus lands in one bucket, and a bucket fits in memory when it is read back
/// (<see cref="SpilledUsers"/>).
/// </summary>
internal sealed class UserPartitioner : IDisposable
{
    private readonly ShardSpec shard;
    private readonly ItemTable items;
    private readonly BinaryWriter[] writers;
    private readonly long[] records;

    public UserPartitioner(string directory, int bucketCount, ShardSpec shard, ItemTable items)
    {
        this.shard = shard;
        this.items = items;
        BucketPaths = [.. Enumerable.Range(0, bucketCount).Select(b => Path.Combine(directory, $"bucket-{b:D4}.bin"))];
        writers = new BinaryWriter[bucketCount];
        records = new long[bucketCount];
        try
        {
            for (int b = 0; b < bucketCount; b++)
                writers[b] = new BinaryWriter(new FileStream(BucketPaths[b], FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int BucketCount => writers.Length;

    public IReadOnlyList<string> BucketPaths { get; }

    /// <summary>Records (one user's rows of one chunk) in each bucket.</summary>
    public IReadOnlyList<long> Records => records;

    public long RowsRead { get; private set; }

    /// <summary>Rows of the users in this shard.</summary>
    public long RowsInShard { get; private set; }

    /// <summary>Rows of this shard whose item the model does not know.</summary>
    public long UnknownInteractions { get; private set; }

    public void Add(InteractionChunk chunk)
    {
        int count = chunk.Count;
        RowsRead += count;
        var users = new int[count];
        var order = new int[count];
        for (int i = 0; i < count; i++)
        {
            users[i] = chunk.UserKey(i);
            order[i] = i;
        }
        Array.Sort(users, order);

        var indexByKey = new Dictionary<int, int>();
        var known = new List<int>();
        // The user id may live in its scratch while item ids are formatted: each has its own.
        Span<byte> userScratch = stackalloc byte[16];
        Span<byte> itemScratch = stackalloc byte[16];
        for (int start = 0, end; start < count; start = end)
        {
            for (end = start + 1; end < count && users[end] == users[start];) end++;
            ReadOnlySpan<byte> userId = chunk.UserId(users[start], userScratch);
            ulong hash = ShardSpec.Hash(userId);
            if (!shard.Contains(hash)) continue;

            RowsInShard += end - start;
            known.Clear();
            for (int row = start; row < end; row++)
            {
                int key = chunk.ItemKey(order[row]);
                if (!indexByKey.TryGetValue(key, out int index))
                {
                    index = items.TryGetIndex(Encoding.UTF8.GetString(chunk.ItemId(key, itemScratch)), out int found) ? found : -1;
                    indexByKey.Add(key, index);
                }
                if (index < 0) UnknownInteractions++;
                else known.Add(index);
            }

            // Other bits of the hash than the shard's choose the bucket, so a shard's users still spread over all buckets.
            int bucket = (int)((hash / (ulong)shard.Count) % (ulong)writers.Length);
            var writer = writers[bucket];
            writer.Write(userId.Length);
            writer.Write(userId);
            writer.Write(known.Count);
            foreach (int item in known) writer.Write(item);
            records[bucket]++;
        }
    }

    /// <summary>Flushes and closes the spill files; they can be read back after this.</summary>
    public void Complete()
    {
        foreach (var writer in writers) writer.Dispose();
    }

    public void Dispose()
    {
        foreach (var writer in writers) writer?.Dispose();
    }
}

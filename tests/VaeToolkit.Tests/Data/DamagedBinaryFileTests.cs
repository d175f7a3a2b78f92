using System.Buffers.Binary;
using System.Text;
using VaeToolkit.Data;
using VaeToolkit.Data.Caching;

namespace VaeToolkit.Tests.Data;

/// <summary>
/// Damaged .vcsr and .vprep files: every reader checks counts against the file's length before it
/// allocates, offsets and indices before it trusts them, and names the file in a clean error.
/// </summary>
public sealed class DamagedBinaryFileTests : IDisposable
{
    // .vcsr layout: magic, version, rows (int32 at 8), columns (int32 at 12), non-zeros (int64 at 16), offsets at 24.
    private const int RowsAt = 8;
    private const int ColumnsAt = 12;
    private const int NonZerosAt = 16;
    private const int OffsetsAt = 24;
    private const int Columns = 10;

    // Nothing a damaged header says may be allocated: a file this small needs a few kilobytes.
    private const long AllocationLimit = 4 << 20;

    private static readonly int[][] Rows = [[0, 3, 9], [], [1, 2], [5]];

    private readonly TemporaryDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    public static TheoryData<string, int, long, string> VcsrHeaderDamage => new()
    {
        { "rows int.MaxValue", RowsAt, int.MaxValue, "corrupt matrix header or truncated file" },
        { "rows 50 million", RowsAt, 50_000_000, "corrupt matrix header or truncated file" },
        { "rows -1", RowsAt, -1, "corrupt matrix header" },
        { "columns -7", ColumnsAt, -7, "corrupt matrix header" },
        { "non-zeros 2^40", NonZerosAt, 1L << 40, "corrupt matrix header" },
        { "non-zeros 100 million", NonZerosAt, 100_000_000, "corrupt matrix header or truncated file" },
        { "non-zeros -1", NonZerosAt, -1, "corrupt matrix header" },
        { "first offset 1", OffsetsAt, 1, "the row offsets start at 1, not 0" },
        { "offsets go down", OffsetsAt + 2 * 8, 1, "row offset 2 is 1, outside 3..6" },
        { "offset past the end", OffsetsAt + 3 * 8, 99, "row offset 3 is 99, outside 3..6" },
        { "last offset short", OffsetsAt + 4 * 8, 5, "the row offsets end at 5, not at the 6 non-zeros" },
        { "index too large", OffsetsAt + 5 * 8, Columns, "column index 10 (non-zero 0) is outside 0..9" },
        { "index negative", OffsetsAt + 5 * 8 + 4, -3, "column index -3 (non-zero 1) is outside 0..9" },
    };

    [Theory]
    [MemberData(nameof(VcsrHeaderDamage))]
    public void Vcsr_DamagedHeaderOrArrays_IsACleanErrorNamingTheFile(string damage, int offset, long value, string expected)
    {
        string path = WriteVcsr();
        byte[] bytes = File.ReadAllBytes(path);
        if (offset == NonZerosAt) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(offset), value);
        else if (offset >= OffsetsAt && offset < OffsetsAt + (Rows.Length + 1) * 8) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(offset), value);
        else BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(offset), (int)value);
        File.WriteAllBytes(path, bytes);

        var (error, allocated) = Measure(() => CsrFile.Load(path));

        var invalid = Assert.IsType<InvalidDataException>(error);
        Assert.StartsWith($"{path}: ", invalid.Message);
        Assert.Contains(expected, invalid.Message);
        Assert.True(allocated < AllocationLimit, $"{damage}: {allocated:N0} bytes allocated");
    }

    [Fact]
    public void Vcsr_TruncatedAnywhere_IsTruncatedOrCorrupt()
    {
        string path = WriteVcsr();
        byte[] bytes = File.ReadAllBytes(path);
        for (int length = 0; length < bytes.Length; length++)
        {
            File.WriteAllBytes(path, bytes[..length]);
            var error = Assert.IsType<InvalidDataException>(Record.Exception(() => CsrFile.Load(path)));
            Assert.StartsWith($"{path}: ", error.Message);
        }
    }

    [Fact]
    public void Vcsr_BytesAfterTheEnd_AreAnError()
    {
        string path = WriteVcsr();
        File.AppendAllText(path, "x");

        var error = Assert.Throws<InvalidDataException>(() => CsrFile.Load(path));

        Assert.Equal($"{path}: 1 bytes after the last row id (damaged file)", error.Message);
    }

    [Fact]
    public void Vcsr_NegativeStringLength_IsCorrupt()
    {
        string path = WriteVcsr();
        byte[] bytes = File.ReadAllBytes(path);
        int ids = OffsetsAt + (Rows.Length + 1) * 8 + Rows.Sum(r => r.Length) * 4;
        bytes[ids] = 0xFF; // a 7-bit encoded length that never ends within 5 bytes, or a negative one
        bytes[ids + 1] = 0xFF;
        bytes[ids + 2] = 0xFF;
        bytes[ids + 3] = 0xFF;
        bytes[ids + 4] = 0x0F;
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<InvalidDataException>(() => CsrFile.Load(path));

        Assert.StartsWith($"{path}: corrupt contents", error.Message);
    }

    [Theory]
    [InlineData("train rows int.MaxValue", 0, int.MaxValue, "corrupt matrix header or truncated file")]
    [InlineData("train rows 50 million", 0, 50_000_000, "corrupt matrix header or truncated file")]
    [InlineData("train rows -5", 0, -5, "corrupt matrix header")]
    [InlineData("train columns 14", 4, 14, "the training matrix has 14 item columns, the data set 13 items")]
    [InlineData("item count int.MaxValue", -1, int.MaxValue, "corrupt count of item ids")]
    [InlineData("item count -1", -1, -1, "corrupt count of item ids")]
    public void Vprep_DamagedCounts_AreACleanErrorNamingTheFile(string damage, int at, int value, string expected)
    {
        string path = WriteVprep();
        byte[] bytes = File.ReadAllBytes(path);
        int position = at >= 0 ? Find(bytes, Ints(TrainRows, ItemCount)) + at : Find(bytes, [.. Ints(ItemCount), 2, (byte)'i', (byte)'0']);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(position), value);
        File.WriteAllBytes(path, bytes);

        var (error, allocated) = Measure(() => PreparedDatasetFile.TryLoad(path, Key));

        var invalid = Assert.IsType<InvalidDataException>(error);
        Assert.StartsWith($"{path}: ", invalid.Message);
        Assert.Contains(expected, invalid.Message);
        Assert.True(allocated < AllocationLimit + (1 << 20), $"{damage}: {allocated:N0} bytes allocated"); // plus the reader's 1 MB buffer
    }

    [Fact]
    public void Vprep_RoundTrips()
    {
        string path = WriteVprep();

        var (dataset, counts) = PreparedDatasetFile.TryLoad(path, Key)!.Value;

        SplitInvariants.AssertIdentical(Dataset(), dataset);
        Assert.Equal(new SourceCounts(100, 60), counts);
        Assert.Null(PreparedDatasetFile.TryLoad(path, "another key"));
    }

    /// <summary>
    /// The binary fuzz: a few hundred seeded truncations, byte flips and overwritten words of a valid
    /// .vcsr and a valid .vprep. Each one reads back as a well-formed result or fails with
    /// <see cref="InvalidDataException"/> naming the file; never another exception, never a big allocation.
    /// </summary>
    [Fact]
    public void Fuzz_MutatedFiles_GiveAResultOrACleanError()
    {
        string vcsr = WriteVcsr();
        string vprep = WriteVprep();
        var random = new Random(20261130);
        var outcomes = new Dictionary<string, int>();
        foreach (var (path, read) in new (string, Action<string>)[]
                 {
                     (vcsr, p => AssertWellFormed(CsrFile.Load(p).Matrix)),
                     (vprep, p =>
                     {
                         if (PreparedDatasetFile.TryLoad(p, Key) is { } loaded) AssertWellFormed(loaded.Dataset.Train);
                     }),
                 })
        {
            byte[] original = File.ReadAllBytes(path);
            for (int trial = 0; trial < 300; trial++)
            {
                var (bytes, mutation) = Mutate(original, random);
                File.WriteAllBytes(path, bytes);
                var (error, allocated) = Measure(() => read(path));
                string what = $"{Path.GetFileName(path)} trial {trial} ({mutation})";
                Assert.True(error is null or InvalidDataException, $"{what}: {error}");
                if (error is not null) Assert.StartsWith($"{path}: ", error.Message);
                Assert.True(allocated < AllocationLimit + (1 << 20), $"{what}: {allocated:N0} bytes allocated");
                string outcome = error is null ? "read" : "error";
                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            }
        }
        // At least the truncations (a third of the trials) must have been caught.
        Assert.True(outcomes.GetValueOrDefault("error") >= 150, $"outcomes: {string.Join(", ", outcomes)}");
    }

    private static (byte[] Bytes, string Mutation) Mutate(byte[] original, Random random)
    {
        byte[] bytes = (byte[])original.Clone();
        switch (random.Next(3))
        {
            case 0:
                int length = random.Next(original.Length);
                return (bytes[..length], $"truncated to {length}");
            case 1:
                int flips = random.Next(1, 5);
                var at = new List<int>();
                for (int i = 0; i < flips; i++)
                {
                    int position = random.Next(bytes.Length);
                    bytes[position] ^= (byte)random.Next(1, 256);
                    at.Add(position);
                }
                return (bytes, $"bytes flipped at {string.Join(", ", at)}");
            default:
                // A word overwritten with an extreme value: how counts and offsets go wrong.
                int word = random.Next(bytes.Length - 4);
                int[] extremes = [int.MaxValue, int.MinValue, -1, 1 << 30, 65_536, 1];
                int value = extremes[random.Next(extremes.Length)];
                BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(word), value);
                return (bytes, $"{value} written at {word}");
        }
    }

    private static void AssertWellFormed(CsrMatrix matrix)
    {
        Assert.Equal(0, matrix.RowOffsets[0]);
        for (int r = 0; r < matrix.RowCount; r++) Assert.True(matrix.RowOffsets[r] <= matrix.RowOffsets[r + 1]);
        Assert.All(matrix.Indices, i => Assert.InRange(i, 0, matrix.ColumnCount - 1));
    }

    private static (Exception? Error, long Allocated) Measure(Action read)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        Exception? error = Record.Exception(read);
        return (error, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private string WriteVcsr()
    {
        string path = _scratch.Combine($"{Guid.NewGuid():N}.vcsr");
        CsrFile.Save(path, CsrMatrix.FromRows(Rows, Columns), ["a", "bb", "ccc", "dddd"]);
        return path;
    }

    private const string Key = "settings|file=ratings.csv";
    private const int ItemCount = 13;
    private const int TrainRows = 7;

    private static PreparedDataset Dataset()
    {
        var random = new Random(3);
        CsrMatrix Matrix(int rows) => CsrMatrix.FromRows([.. Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, ItemCount).Where(_ => random.NextDouble() < 0.3))], ItemCount);
        HeldOutUsers HeldOut(string prefix) => new([$"{prefix}0", $"{prefix}1"], Matrix(2), Matrix(2));
        return new PreparedDataset
        {
            Name = "toy",
            DataHash = "sha256:abc",
            ItemIds = [.. Enumerable.Range(0, ItemCount).Select(i => $"i{i}")],
            ItemNames = [.. Enumerable.Range(0, ItemCount).Select(i => $"Item {i}")],
            TrainUserIds = [.. Enumerable.Range(0, TrainRows).Select(u => $"u{u}")],
            Train = Matrix(TrainRows),
            Validation = HeldOut("v"),
            Test = HeldOut("t"),
        };
    }

    private string WriteVprep()
    {
        string path = _scratch.Combine($"{Guid.NewGuid():N}.vprep");
        PreparedDatasetFile.Save(path, Key, Dataset(), new SourceCounts(100, 60));
        return path;
    }

    private static byte[] Ints(params int[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), values[i]);
        return bytes;
    }

    /// <summary>The one place <paramref name="pattern"/> occurs in <paramref name="bytes"/>.</summary>
    private static int Find(byte[] bytes, byte[] pattern)
    {
        int at = bytes.AsSpan().IndexOf(pattern);
        Assert.True(at >= 0 && bytes.AsSpan(at + 1).IndexOf(pattern) < 0, "the pattern occurs exactly once");
        return at;
    }
}

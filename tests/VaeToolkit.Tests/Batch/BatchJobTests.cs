using System.Globalization;
using Parquet;
using Parquet.Schema;
using VaeToolkit.Data;
using VaeToolkit.Data.Parsing;
using VaeToolkit.Inference;
using VaeToolkit.Inference.Batch;
using VaeToolkit.Runs;
using VaeToolkit.Training.Export;
using VaeToolkit.Tests.Export;
using VaeToolkit.Tests.Inference;

namespace VaeToolkit.Tests.Batch;

/// <summary>Batch scoring of interactions files: streaming, grouping unsorted input, Parquet, shards, cancellation, bad rows.</summary>
public sealed class BatchJobTests : IDisposable
{
    private const int Users = 300;

    private readonly TestModel model = TestModel.Create();
    private readonly RecommendationService service;
    private readonly int[][] histories;

    public BatchJobTests()
    {
        service = RecommendationService.Open(model.ModelDirectory, batchSize: 64);
        var random = new Random(11);
        histories = [.. Enumerable.Range(0, Users).Select(_ => Enumerable.Range(0, TestModel.Items).Where(_ => random.NextDouble() < 0.2).ToArray())];
    }

    public void Dispose()
    {
        service.Dispose();
        model.Dispose();
    }

    [Fact]
    public void RecommendFile_UnsortedInput_GivesEachUserTheTopKOfTheirWholeHistory()
    {
        string input = WriteCsv("shuffled.csv", Rows(shuffle: true));
        string output = model.Root.Combine("out", "top.csv");

        // A few hundred bytes per bucket: the rows of one user are spread over many chunks and land in many buckets' worth of spill.
        var summary = service.RecommendFile(Options(input, output) with { BucketInputBytes = 512 }, k: 4, cancellationToken: TestContext.Current.CancellationToken);

        var records = BatchFiles.CsvRecords(output);
        Assert.Equal((Users, Users, (long)Users * 4, 0L, 0), (summary.Users, summary.UsersWritten, summary.Rows, summary.UnknownInteractions, summary.SkippedUserCount));
        Assert.Equal(histories.Sum(h => (long)h.Length), summary.InputRows);
        Assert.Equal(Users * 4, records.Count);
        foreach (var user in records.GroupBy(record => record[0]))
        {
            int u = int.Parse(user.Key[1..], CultureInfo.InvariantCulture);
            int[] expected = ReferenceMultVae.TopK(model.Weights, histories[u], 4);
            Assert.Equal(expected.Select(i => TestModel.ItemIds[i]), user.Select(record => record[2]));
            Assert.Equal(["1", "2", "3", "4"], user.Select(record => record[1]));
            Assert.Equal(expected.Select(i => TestModel.ItemNames[i] ?? ""), user.Select(record => record[4]));
            double[] logits = ReferenceMultVae.Logits(model.Weights, histories[u]);
            Assert.All(user.Zip(expected), pair => Assert.Equal(logits[pair.Second], float.Parse(pair.First[3], CultureInfo.InvariantCulture), 1e-4));
        }
        // Nothing but the output is left: the spill folder is gone.
        Assert.Equal(["top.csv"], Directory.GetFileSystemEntries(Path.GetDirectoryName(output)!).Select(Path.GetFileName));
    }

    [Fact]
    public void RecommendFile_SortedAndShuffledInputs_WriteTheSameRows()
    {
        string sorted = model.Root.Combine("sorted.csv"), shuffled = model.Root.Combine("shuffled.csv");
        service.RecommendFile(Options(WriteCsv("in-sorted.csv", Rows(shuffle: false)), sorted), k: 5, cancellationToken: TestContext.Current.CancellationToken);
        service.RecommendFile(Options(WriteCsv("in-shuffled.csv", Rows(shuffle: true)), shuffled) with { BucketInputBytes = 1000 }, k: 5, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(BatchFiles.Lines(BatchFiles.CsvRecords(sorted)).Order(), BatchFiles.Lines(BatchFiles.CsvRecords(shuffled)).Order());
    }

    [Fact]
    public void RecommendFile_ParquetInAndOut_WritesWhatTheCsvRunWrites()
    {
        string parquetInput = model.Root.Combine("in.parquet");
        WriteParquetInput(parquetInput, Rows(shuffle: true));
        string csv = model.Root.Combine("top.csv"), parquet = model.Root.Combine("top.parquet");

        service.RecommendFile(Options(WriteCsv("in.csv", Rows(shuffle: true)), csv), k: 3, cancellationToken: TestContext.Current.CancellationToken);
        var summary = service.RecommendFile(Options(parquetInput, parquet) with { Columns = new InteractionColumns { User = "visitor", Item = "film" } }, k: 3,
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("parquet", summary.Format);
        var fromParquet = BatchFiles.ParquetRecords(parquet);
        // Scores travel as float32 in Parquet and as their shortest round-trip text in CSV: the same value.
        Assert.Equal(BatchFiles.Lines(BatchFiles.CsvRecords(csv)).Order(), BatchFiles.Lines(fromParquet).Order());
    }

    [Fact]
    public void RecommendFile_Shards_UnionIsTheUnshardedOutputAndAFinishedShardIsNotRedone()
    {
        string input = WriteCsv("in.csv", Rows(shuffle: true));
        string whole = model.Root.Combine("whole.csv");
        service.RecommendFile(Options(input, whole), k: 3, cancellationToken: TestContext.Current.CancellationToken);

        string output = model.Root.Combine("shards", "top.csv");
        var summaries = Enumerable.Range(0, 3)
            .Select(i => service.RecommendFile(Options(input, output) with { Shard = new ShardSpec(i, 3) }, k: 3, cancellationToken: TestContext.Current.CancellationToken))
            .ToList();

        Assert.Equal(["top-00000-of-00003.csv", "top-00001-of-00003.csv", "top-00002-of-00003.csv"], summaries.Select(s => Path.GetFileName(s.OutputPath)));
        Assert.All(summaries, s => Assert.True(File.Exists(s.OutputPath + BatchJob.ManifestSuffix)));
        Assert.All(summaries, s => Assert.InRange(s.Users, 60, 140));
        Assert.Equal(Users, summaries.Sum(s => s.Users));
        Assert.Equal(BatchFiles.Lines(BatchFiles.CsvRecords(whole)).Order(), summaries.SelectMany(s => BatchFiles.Lines(BatchFiles.CsvRecords(s.OutputPath))).Order());

        // Run again: shard 1 is found finished and left alone.
        var written = File.GetLastWriteTimeUtc(summaries[1].OutputPath);
        var again = service.RecommendFile(Options(input, output) with { Shard = new ShardSpec(1, 3) }, k: 3, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(again.AlreadyDone);
        Assert.Equal(summaries[1].Rows, again.Rows);
        Assert.Equal(written, File.GetLastWriteTimeUtc(summaries[1].OutputPath));

        // Other settings (or -Force) score it again.
        Assert.False(service.RecommendFile(Options(input, output) with { Shard = new ShardSpec(1, 3) }, k: 2, cancellationToken: TestContext.Current.CancellationToken).AlreadyDone);
        Assert.False(service.RecommendFile(Options(input, output) with { Shard = new ShardSpec(1, 3), Force = true }, k: 2, cancellationToken: TestContext.Current.CancellationToken).AlreadyDone);
    }

    [Fact]
    public void RecommendFile_ChangedInput_ScoresAFinishedShardAgain()
    {
        string input = WriteCsv("in.csv", Rows(shuffle: false));
        string output = model.Root.Combine("top.csv");
        var shard = new ShardSpec(0, 2);
        service.RecommendFile(Options(input, output) with { Shard = shard }, k: 3, cancellationToken: TestContext.Current.CancellationToken);

        File.AppendAllText(input, "u0,m7\n");
        var summary = service.RecommendFile(Options(input, output) with { Shard = shard }, k: 3, cancellationToken: TestContext.Current.CancellationToken);

        Assert.False(summary.AlreadyDone);
    }

    [Fact]
    public void RecommendFile_Cancelled_LeavesNoOutputAndNoSpill()
    {
        string input = WriteCsv("in.csv", Rows(shuffle: true));
        string output = model.Root.Combine("out", "top.csv");
        using var cancel = new CancellationTokenSource();
        // Cancelled once scoring has started: the output is then half written under its temporary name.
        var progress = new Progress(value => { if (value.Phase == "scoring") cancel.Cancel(); });

        Assert.ThrowsAny<OperationCanceledException>(() => service.RecommendFile(Options(input, output) with { Shard = new ShardSpec(0, 2) }, k: 3, progress, cancel.Token));

        Assert.Empty(Directory.GetFileSystemEntries(Path.GetDirectoryName(output)!));
    }

    [Fact]
    public void RecommendFile_UnknownItemsAndUsersWithoutKnownItems_AreCountedAndReported()
    {
        string input = WriteCsv("in.csv", ["u1,m7", "u1,nope", "ghost,gone", "ghost,gone", "u2,m14", "u2,m14", "u2,m21"]);
        string output = model.Root.Combine("top.csv");

        var summary = service.RecommendFile(Options(input, output), k: 2, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal((3, 2, 3L, 1), (summary.Users, summary.UsersWritten, summary.UnknownInteractions, summary.SkippedUserCount));
        Assert.Equal(["ghost"], summary.SkippedUsers);
        // u2's repeated item counts once: a history is a set of items.
        var u2 = BatchFiles.CsvRecords(output).Where(record => record[0] == "u2").Select(record => record[2]);
        Assert.Equal(ReferenceMultVae.TopK(model.Weights, [2, 3], 2).Select(i => TestModel.ItemIds[i]), u2);
    }

    [Theory]
    [InlineData("user,item\nu1,m7\nu2\n", "(3): column #1 ('item') is missing (the line has 1 columns)")]
    [InlineData("user,item\nu1,m7\n\"u2,m7\n", "(3): a quoted field is not closed")]
    [InlineData("visitor,film\nu1,m7\n", "the header has no column 'user'")]
    public void RecommendFile_BadRows_AreErrorsNamingTheFileAndLine(string content, string message)
    {
        string input = model.Root.Combine("bad.csv");
        File.WriteAllText(input, content);
        string output = model.Root.Combine("out", "top.csv");
        var options = Options(input, output) with { Columns = content.StartsWith("visitor", StringComparison.Ordinal) ? new InteractionColumns { User = "user", Item = "item" } : new() };

        var error = Assert.Throws<DataFormatException>(() => service.RecommendFile(options, k: 3, cancellationToken: TestContext.Current.CancellationToken));

        Assert.StartsWith(input, error.Message);
        Assert.Contains(message, error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(Path.GetDirectoryName(output)!));
    }

    [Fact]
    public void RecommendFile_LongNumericIds_AreReadWhole()
    {
        // Plain decimal ids travel as numbers inside a chunk and are written back as text: ids of 7 to 9
        // digits (items) and beyond (users, kept as text) must come back whole to be found in the model.
        using var directory = new TemporaryDirectory();
        var weights = RandomWeights.Create("vae", items: 20, dims: [8, 4], seed: 3);
        string[] itemIds = [.. Enumerable.Range(0, 20).Select(i => (987_654_300 + i).ToString(CultureInfo.InvariantCulture))];
        OnnxExporter.Export(weights, directory.Path);
        ModelBundle.Write(directory.Path, TestModel.Card with { ItemCount = 20, LatentDim = 4, EncoderDims = [8, 4] },
            new ItemTable(itemIds, new int[20], new string?[20]), CsrMatrix.FromRows([[0, 1]], 20), ["known"], new HeldOutUsers([], CsrMatrix.FromRows([], 20), CsrMatrix.FromRows([], 20)));
        using var numeric = RecommendationService.Open(directory.Path);
        string input = model.Root.Combine("numeric.csv");
        File.WriteAllText(input, $"user,item\n12345678901,{itemIds[3]}\n1234567,{itemIds[5]}\n12345678901,{itemIds[7]}\n");

        var summary = numeric.RecommendFile(Options(input, model.Root.Combine("numeric-top.csv")), k: 2, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal((2, 2, 0L), (summary.Users, summary.UsersWritten, summary.UnknownInteractions));
        var users = BatchFiles.CsvRecords(summary.OutputPath).GroupBy(record => record[0]).ToDictionary(g => g.Key, g => g.Select(record => record[2]).ToArray());
        Assert.Equal(ReferenceMultVae.TopK(weights, [3, 7], 2).Select(i => itemIds[i]), users["12345678901"]);
        Assert.Equal(ReferenceMultVae.TopK(weights, [5], 2).Select(i => itemIds[i]), users["1234567"]);
    }

    [Theory]
    [InlineData("emb.csv")]
    [InlineData("emb.parquet")]
    public void EmbedFile_WritesEachUsersLatentMean(string name)
    {
        string input = WriteCsv("in.csv", Rows(shuffle: true));
        string output = model.Root.Combine(name);

        var summary = service.EmbedFile(Options(input, output), cancellationToken: TestContext.Current.CancellationToken);

        var records = name.EndsWith(".csv", StringComparison.Ordinal) ? BatchFiles.CsvRecords(output) : BatchFiles.ParquetRecords(output);
        Assert.Equal((Users, (long)Users), (summary.UsersWritten, summary.Rows));
        Assert.Equal(Users, records.Count);
        foreach (var record in records)
        {
            double[] expected = ReferenceMultVae.Mean(model.Weights, histories[int.Parse(record[0][1..], CultureInfo.InvariantCulture)]);
            Assert.Equal(1 + expected.Length, record.Length);
            for (int d = 0; d < expected.Length; d++) Assert.Equal(expected[d], float.Parse(record[d + 1], CultureInfo.InvariantCulture), 1e-4);
        }
    }

    private static BatchJobOptions Options(string input, string output) => new() { InputPath = input, OutputPath = output };

    /// <summary>One "user,item" row per interaction of the test users, in user order or shuffled.</summary>
    private List<string> Rows(bool shuffle)
    {
        var rows = histories.SelectMany((items, u) => items.Select(i => $"u{u},{TestModel.ItemIds[i]}")).ToList();
        if (shuffle) new Random(3).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(rows));
        return rows;
    }

    private string WriteCsv(string name, IEnumerable<string> rows)
    {
        string path = model.Root.Combine(name);
        File.WriteAllText(path, "user,item\n" + string.Concat(rows.Select(row => row + "\n")));
        return path;
    }

    private static void WriteParquetInput(string path, List<string> rows) => WriteParquetInputAsync(path, rows).GetAwaiter().GetResult();

    private static async Task WriteParquetInputAsync(string path, List<string> rows)
    {
        var schema = new ParquetSchema(new DataField<string>("film"), new DataField<string>("visitor"));
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream);
        foreach (var chunk in rows.Chunk(700))
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(schema.DataFields[0], chunk.Select(row => row.Split(',')[1]).ToArray());
            await group.WriteAsync(schema.DataFields[1], chunk.Select(row => row.Split(',')[0]).ToArray());
        }
    }

    private sealed class Progress(Action<BatchScoringProgress> report) : IProgress<BatchScoringProgress>
    {
        public void Report(BatchScoringProgress value) => report(value);
    }
}

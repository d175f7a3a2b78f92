using Parquet;
using Parquet.Schema;
using VaeToolkit.Configuration;
using VaeToolkit.Data;

namespace VaeToolkit.Tests.Data;

/// <summary>The generic reader: column mapping, delimiter, header, optional rating and timestamp, and Parquet input.</summary>
public sealed class GenericFileTests : IDisposable
{
    private readonly TemporaryDirectory _scratch = new();
    private readonly RatingFixture _fixture = new();

    public void Dispose() => _scratch.Dispose();

    private static DataConfig Columns(string path) => new()
    {
        Dataset = KnownDatasets.File, Path = path, UserColumn = "user", ItemColumn = "item", RatingColumn = "stars", TimestampColumn = "when",
    };

    private string WriteCsv() => DataFixtures.Write(_scratch.Path, "likes.csv",
        "when;item;stars;user\n" + string.Concat(_fixture.Rows.Select(r => $"{r.Time};item-{r.Item};{r.Rating};{r.User}\n")));

    [Fact]
    public void ParquetFile_IsReadWithTheSameColumnMapping_AndGivesTheSameSplit()
    {
        string parquet = WriteParquet("likes.parquet", rowGroups: 3);
        var csvConfig = new VaeConfig { Seed = 2, Data = Columns(WriteCsv()) with { Delimiter = ";" } };
        var parquetConfig = csvConfig with { Data = Columns(parquet) };

        var fromCsv = DataFixtures.Load(csvConfig);
        var fromParquet = DataFixtures.Load(parquetConfig);

        var positives = _fixture.Positives(3.5, itemId: item => $"item-{item}");
        ProtocolCheck.AssertFollows(fromParquet, positives, 5, ProtocolCheck.AutomaticHeldout(positives, 5));
        Assert.Equal("likes.parquet", fromParquet.Name);
        Assert.Equal(fromCsv.ItemIds, fromParquet.ItemIds);
        Assert.Equal(fromCsv.TrainUserIds, fromParquet.TrainUserIds);
        Assert.Equal(fromCsv.Test.Targets.Indices, fromParquet.Test.Targets.Indices);
        Assert.NotEqual(fromCsv.DataHash, fromParquet.DataHash);
    }

    [Fact]
    public void TimestampColumn_GivesLatestTargets_InDelimitedAndParquetFiles()
    {
        foreach (string path in new[] { WriteCsv(), WriteParquet("likes.parquet", rowGroups: 1) })
        {
            var data = Columns(path) with { Delimiter = ";", TargetSplit = TargetSplits.Latest };
            var dataset = DataFixtures.Load(new VaeConfig { Data = data });
            ProtocolCheck.AssertTargetsAreLatest(dataset, _fixture.Times(itemId: item => $"item-{item}"));
        }
    }

    [Fact]
    public void LineLongerThanTheReadBuffer_IsRead()
    {
        string note = new('x', 3 << 20);
        string path = DataFixtures.Write(_scratch.Path, "notes.csv",
            "user,item,stars,note\n" + string.Concat(_fixture.Rows.Select((r, k) => $"{r.User},item-{r.Item},{r.Rating},{(k == 100 ? note : "-")}\n")));

        var dataset = DataFixtures.Load(new VaeConfig { Data = Columns(path) with { TimestampColumn = null } });

        var positives = _fixture.Positives(3.5, itemId: item => $"item-{item}");
        ProtocolCheck.AssertFollows(dataset, positives, 5, ProtocolCheck.AutomaticHeldout(positives, 5));
    }

    [Fact]
    public void Parquet_MissingValue_NamesTheRow()
    {
        string path = _scratch.Combine("holes.parquet");
        var schema = new ParquetSchema(new DataField<string>("user"), new DataField<int>("item"), new DataField<double>("stars"));
        WriteParquetFile(path, schema, ["a", "b", null, "d"], [1, 2, 3, 4], [5.0, 5.0, 5.0, 5.0]);

        var error = Assert.Throws<DataFormatException>(() => DataFixtures.Load(new VaeConfig { Data = Columns(path) with { TimestampColumn = null } }));

        Assert.Equal($"{path}(3): the user id in column 'user' is empty", error.Message);
    }

    [Fact]
    public void Parquet_MissingColumn_ListsTheColumns()
    {
        string path = _scratch.Combine("other.parquet");
        var schema = new ParquetSchema(new DataField<string>("userId"), new DataField<int>("item"), new DataField<double>("stars"));
        WriteParquetFile(path, schema, ["a"], [1], [5.0]);

        var error = Assert.Throws<DataFormatException>(() => DataFixtures.Load(new VaeConfig { Data = Columns(path) with { TimestampColumn = null } }));

        Assert.Equal($"{path}: the Parquet file has no column 'user' (columns: userId, item, stars)", error.Message);
    }

    private string WriteParquet(string name, int rowGroups) => WriteParquetAsync(name, rowGroups).GetAwaiter().GetResult();

    private async Task<string> WriteParquetAsync(string name, int rowGroups)
    {
        string path = _scratch.Combine(name);
        var schema = new ParquetSchema(new DataField<long>("when"), new DataField<string>("item"), new DataField<int>("stars"), new DataField<long>("user"));
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream);
        int size = (_fixture.Rows.Count + rowGroups - 1) / rowGroups;
        foreach (var chunk in _fixture.Rows.Chunk(size))
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync<long>(schema.DataFields[0], chunk.Select(r => r.Time).ToArray());
            await group.WriteAsync(schema.DataFields[1], chunk.Select(r => $"item-{r.Item}").ToArray());
            await group.WriteAsync<int>(schema.DataFields[2], chunk.Select(r => r.Rating).ToArray());
            await group.WriteAsync<long>(schema.DataFields[3], chunk.Select(r => (long)r.User).ToArray());
        }
        return path;
    }

    private static void WriteParquetFile(string path, ParquetSchema schema, string?[] users, int[] items, double[] ratings) =>
        WriteParquetFileAsync(path, schema, users, items, ratings).GetAwaiter().GetResult();

    private static async Task WriteParquetFileAsync(string path, ParquetSchema schema, string?[] users, int[] items, double[] ratings)
    {
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream);
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(schema.DataFields[0], users);
        await group.WriteAsync<int>(schema.DataFields[1], items);
        await group.WriteAsync<double>(schema.DataFields[2], ratings);
    }
}

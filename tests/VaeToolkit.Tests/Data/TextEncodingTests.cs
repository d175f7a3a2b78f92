using System.Text;
using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.Inference;
using VaeToolkit.Inference.Batch;
using VaeToolkit.Tests.Inference;
using VaeToolkit.Training.Models;

namespace VaeToolkit.Tests.Data;

/// <summary>
/// Ids that are not valid text in the file's encoding are located errors, never U+FFFD (which merged distinct
/// ids); <c>data.encoding</c> names another encoding.
/// </summary>
public sealed class TextEncodingTests : IDisposable
{
    private readonly TemporaryDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    /// <summary>Four users, each liking caf\xE9 and caf\xE8 (two Latin-1 ids) and a plain one.</summary>
    private string WriteLatin1Items(string name = "likes.csv", bool quoted = false)
    {
        var text = new StringBuilder("user,item,rating\n");
        foreach (string user in new[] { "u1", "u2", "u3", "u4" })
            foreach (string item in new[] { "caf\u00e9", "caf\u00e8", "plain" })
                text.Append($"{user},{(quoted ? $"\"{item}, x\"" : item)},5\n");
        string path = _scratch.Combine(name);
        File.WriteAllBytes(path, Encoding.Latin1.GetBytes(text.ToString()));
        return path;
    }

    private static DataConfig FileSet(string path) => new()
    {
        Dataset = KnownDatasets.File, Path = path, UserColumn = "user", ItemColumn = "item", RatingColumn = "rating",
    };

    [Fact]
    public void Latin1ItemIds_InAUtf8File_AreALocatedError()
    {
        string path = WriteLatin1Items();

        var error = Assert.Throws<DataFormatException>(() => DataFixtures.Load(DataFixtures.SmallConfig(FileSet(path))));

        Assert.Equal($"{path}(2): the item id 'caf\\xE9' is not valid UTF-8; set data.encoding to the file's encoding (such as latin-1)", error.Message);
    }

    [Fact]
    public void Latin1UserIds_InAUtf8File_AreALocatedError()
    {
        string path = _scratch.Combine("users.csv");
        File.WriteAllBytes(path, [.. "user,item,rating\nok,a,5\nJ"u8, 0xF6, .. "rg,a,5\nJ"u8, 0xF8, .. "rg,a,5\n"u8]);

        var error = Assert.Throws<DataFormatException>(() => DataFixtures.Load(DataFixtures.SmallConfig(FileSet(path))));

        Assert.Equal(3, error.Line);
        Assert.Contains("the user id 'J\\xF6rg' is not valid UTF-8", error.Message);
    }

    [Fact]
    public void QuotedLine_InAUtf8File_IsALocatedError()
    {
        string path = WriteLatin1Items(quoted: true);

        var error = Assert.Throws<DataFormatException>(() => DataFixtures.Load(DataFixtures.SmallConfig(FileSet(path))));

        Assert.Equal($"{path}(2): the line is not valid UTF-8; set data.encoding to the file's encoding (such as latin-1)", error.Message);
    }

    [Theory]
    [InlineData("latin-1")]
    [InlineData("iso-8859-1")]
    [InlineData("windows-1252")]
    public void Latin1ItemIds_WithDataEncoding_StayDistinct(string encoding)
    {
        foreach (bool quoted in new[] { false, true })
        {
            string path = WriteLatin1Items(quoted ? "quoted.csv" : "plain.csv", quoted);

            var dataset = DataFixtures.Load(DataFixtures.SmallConfig(FileSet(path) with { Encoding = encoding }));

            string suffix = quoted ? ", x" : "";
            Assert.Equal(["caf\u00e8" + suffix, "caf\u00e9" + suffix, "plain" + suffix], dataset.ItemIds.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public void ItemNamesFile_ThatIsNotUtf8_IsALocatedError_AndReadsWithDataEncoding()
    {
        string names = _scratch.Combine("names.csv");
        File.WriteAllBytes(names, Encoding.Latin1.GetBytes("id,name\nplain,Plain\ncaf\u00e9,Caf\u00e9 au lait\n"));
        string ascii = _scratch.Combine("ascii.csv");
        File.WriteAllText(ascii, "user,item,rating\n" + string.Concat(from u in "abcd" from i in new[] { "plain", "other" } select $"{u},{i},5\n"));

        var error = Assert.Throws<DataFormatException>(() => DataFixtures.Load(DataFixtures.SmallConfig(FileSet(ascii) with { ItemNames = names })));
        Assert.Equal($"{names}(3): the line is not valid UTF-8; set data.encoding to the file's encoding (such as latin-1)", error.Message);

        var dataset = DataFixtures.Load(DataFixtures.SmallConfig(FileSet(WriteLatin1Items()) with { ItemNames = names, Encoding = "latin-1" }));
        Assert.Equal("Caf\u00e9 au lait", dataset.ItemNames![Array.IndexOf(dataset.ItemIds, "caf\u00e9")]);
    }

    [Fact]
    public void Encoding_IsPartOfTheDataHash()
    {
        string path = _scratch.Combine("ascii.csv");
        File.WriteAllText(path, "user,item,rating\n" + string.Concat(from u in "abcd" from i in "xyz" select $"{u},{i},5\n"));

        var utf8 = DataFixtures.Load(DataFixtures.SmallConfig(FileSet(path)));
        var latin1 = DataFixtures.Load(DataFixtures.SmallConfig(FileSet(path) with { Encoding = "latin-1" }));

        Assert.Equal(utf8.ItemIds, latin1.ItemIds);
        Assert.NotEqual(utf8.DataHash, latin1.DataHash);
    }

    [Theory]
    [InlineData("data:\n  encoding: klingon\n", "config.yaml(2,13): error VAE0104: 'data.encoding' must be utf-8, latin-1 (iso-8859-1) or another single-byte encoding such as windows-1252, not 'klingon'")]
    [InlineData("data:\n  encoding: utf-16\n", "config.yaml(2,13): error VAE0104: 'data.encoding' must be utf-8, latin-1 (iso-8859-1) or another single-byte encoding such as windows-1252, not 'utf-16'")]
    public void DataEncoding_MustBeReadableByteByByte(string yaml, string message)
    {
        var error = Assert.Throws<ConfigException>(() => ModelRegistry.ConfigLoader.Parse(yaml, "config.yaml"));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void DataEncoding_RoundTripsThroughTheResolvedConfig()
    {
        var config = ModelRegistry.ConfigLoader.Parse("data:\n  encoding: latin-1\n", "config.yaml");
        Assert.Equal("latin-1", config.Data.Encoding);
        Assert.Equal("latin-1", ModelRegistry.ConfigLoader.Parse(ConfigWriter.ToYaml(config), "resolved.yaml").Data.Encoding);
        Assert.Null(ModelRegistry.ConfigLoader.Defaults.Data.Encoding);
    }

    [Fact]
    public void RecommendInputFile_ThatIsNotUtf8_IsALocatedError()
    {
        using var model = TestModel.Create();
        using var service = RecommendationService.Open(model.ModelDirectory);
        string input = model.Root.Combine("interactions.csv");
        string output = model.Root.Combine("recommendations.csv");
        File.WriteAllBytes(input, [.. "user,item\nalice,m7\nJ"u8, 0xF6, .. "rg,m7\nJ"u8, 0xF8, .. "rg,m14\n"u8]);

        var error = Assert.Throws<DataFormatException>(() => service.RecommendFile(new BatchJobOptions { InputPath = input, OutputPath = output }, k: 3,
            cancellationToken: TestContext.Current.CancellationToken));

        Assert.StartsWith($"{input}(3): the user id 'J", error.Message);
        Assert.Contains("is not valid UTF-8", error.Message);
        Assert.False(File.Exists(output));
    }
}

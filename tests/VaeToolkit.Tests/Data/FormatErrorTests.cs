using System.Text;
using VaeToolkit.Configuration;
using VaeToolkit.Data;

namespace VaeToolkit.Tests.Data;

/// <summary>Malformed lines in each data set's format are reported with the file and the line number.</summary>
public sealed class FormatErrorTests : IDisposable
{
    private readonly TemporaryDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Theory]
    [InlineData(KnownDatasets.MovieLens1M, "ratings.dat", "1::10::5::978300760\n2::20::x::978300761\n", 2, "rating 'x' in column #2 is not a number")]
    [InlineData(KnownDatasets.MovieLens100K, "u.data", "1\t10\t5\t881250949\n\n2\t20\n", 3, "column #2 is missing (the line has 2 columns)")]
    [InlineData(KnownDatasets.Netflix, "combined_data_1.txt", "7,5,2005-01-01\n", 1, "a rating comes before any 'movieId:' line")]
    [InlineData(KnownDatasets.Netflix, "combined_data_1.txt", "1:\n7,5,2005-01-01\n8,5\n", 3, "expected customerId,rating,date, not '8,5'")]
    [InlineData(KnownDatasets.Netflix, "combined_data_1.txt", "1:\n7,five,2005-01-01\n", 2, "rating 'five' is not a number")]
    [InlineData(KnownDatasets.LastFm, "usersha1-artmbid-artname-plays.tsv", "u1\tm1\tAbba\t12\nu2\t\tAbba\tlots\n", 2, "play count 'lots' in column #3 is not a number")]
    [InlineData(KnownDatasets.LastFm, "usersha1-artmbid-artname-plays.tsv", "u1\t\t\t12\n", 1, "the item id in column #1 (and #2) is empty")]
    [InlineData(KnownDatasets.Pinterest, "pinterest-20.test.rating", "0\t5\t1\t0\n1\n", 2, "column #1 is missing (the line has 1 columns)")]
    public void MalformedLine_NamesFileAndLine(string dataset, string file, string contents, int line, string reason)
    {
        string folder = _scratch.Combine(dataset);
        if (dataset == KnownDatasets.Pinterest) DataFixtures.Write(folder, "pinterest-20.train.rating", "0\t1\t1\t0\n");
        string path = DataFixtures.Write(folder, file, contents);
        var config = new VaeConfig { Data = new DataConfig { Dataset = dataset, Path = folder } };

        var error = Assert.Throws<DataFormatException>(() => DataFixtures.Load(config));

        Assert.Equal($"{path}({line}): {reason}", error.Message);
    }

    [Fact]
    public void BadTimestamp_IsReportedWhenTheSplitNeedsTimes()
    {
        string path = DataFixtures.Write(_scratch.Path, "ratings.csv", "userId,movieId,rating,timestamp\n1,10,4,100\n1,20,4,yesterday\n");
        var data = new DataConfig { Dataset = KnownDatasets.File, Path = path, TimestampColumn = "timestamp", TargetSplit = TargetSplits.Latest };

        var error = Assert.Throws<DataFormatException>(() => DataFixtures.Load(DataFixtures.SmallConfig(data)));

        Assert.Equal($"{path}(3): timestamp 'yesterday' in column 'timestamp' is not a time (Unix seconds or a date)", error.Message);
    }

    [Fact]
    public void Utf16File_IsRefusedWithAReason()
    {
        string path = _scratch.Combine("ratings.csv");
        File.WriteAllText(path, "userId,movieId,rating\n1,10,4\n", Encoding.Unicode);

        var error = Assert.Throws<DataFormatException>(() => DataFixtures.Load(DataFixtures.SmallConfig(new DataConfig { Dataset = KnownDatasets.File, Path = path })));

        Assert.Equal($"{path}: the file is UTF-16; save it as UTF-8", error.Message);
    }

    [Fact]
    public void Utf8ByteOrderMark_IsSkipped()
    {
        string path = _scratch.Combine("ratings.csv");
        File.WriteAllText(path, DataFixtures.MovieLensRatings, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        var dataset = DataFixtures.Load(DataFixtures.SmallConfig(new DataConfig { Dataset = KnownDatasets.File, Path = path }));

        Assert.Equal(DataFixtures.MovieLensPositives, DataFixtures.Pairs(dataset));
    }

    [Fact]
    public void LargeFile_ReadOnEveryCore_ReportsTheFirstBadLineWithItsNumber()
    {
        // 6 million six-byte rows (36 MB) span three 16 MB segments, read in parallel; the bad lines are
        // in the last segment and the middle one, and the earlier one in the file is reported.
        const int rows = 6_000_000;
        byte[] header = "u,i,r\n"u8.ToArray();
        var bytes = new byte[header.Length + rows * 6];
        header.CopyTo(bytes, 0);
        for (int row = 0; row < rows; row++) "1,2,5\n"u8.CopyTo(bytes.AsSpan(header.Length + row * 6));
        foreach (int line in new[] { 5_432_101, 3_000_001 })
            "1,2;5\n"u8.CopyTo(bytes.AsSpan(header.Length + (line - 2) * 6)); // line 2 is the first row
        string path = _scratch.Combine("big.csv");
        File.WriteAllBytes(path, bytes);
        var config = DataFixtures.SmallConfig(new DataConfig { Dataset = KnownDatasets.File, Path = path, UserColumn = "u", ItemColumn = "i", RatingColumn = "r" });

        var error = Assert.Throws<DataFormatException>(() => DataFixtures.Load(config));

        Assert.Equal($"{path}(3000001): column 'r' is missing (the line has 2 columns)", error.Message);
    }
}

using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using VaeToolkit.Configuration;
using VaeToolkit.Data;

namespace VaeToolkit.Tests.Data;

public sealed class MovieLensSourceTests : IDisposable
{
    private static readonly Uri BaseUrl = new("https://files.example.test/movielens/");
    private const string Name = KnownDatasets.MovieLensLatestSmall;

    private readonly TemporaryDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private string Cache => Path.Combine(_scratch.Path, "cache");

    private string DataDir => Path.Combine(_scratch.Path, "data");

    private VaeConfig Config => DataFixtures.SmallConfig(new DataConfig { Dataset = Name, DataDir = DataDir });

    private MovieLensSource Source(FakeHttpHandler handler, TimeSpan? timeout = null) =>
        new(Cache, environmentDirectory: null, handler, BaseUrl, timeout);

    [Fact]
    public void MissingDataSet_IsDownloadedVerifiedAndUnpackedIntoTheCache()
    {
        var handler = FakeHttpHandler.Serving(Zip(("ml-latest-small/ratings.csv", DataFixtures.MovieLensRatings),
            ("ml-latest-small/movies.csv", DataFixtures.MovieLensMovies), ("ml-latest-small/genome-scores.csv", "not needed")));
        var log = new List<string>();

        var dataset = DataFixtures.Load(Config, Source(handler), new ListLog(log));

        Assert.Equal([new Uri(BaseUrl, "ml-latest-small.zip")], handler.Requests);
        Assert.Equal(DataFixtures.MovieLensPositives, DataFixtures.Pairs(dataset));
        Assert.Equal("American President, The (1995)", dataset.ItemNames![Array.IndexOf(dataset.ItemIds, "10")]);
        Assert.Contains(log, line => line.EndsWith(": 100%", StringComparison.Ordinal));
        // Only the files a data set needs, and nothing half-done, are left behind.
        Assert.Equal(["movies.csv", "ratings.csv"], Directory.GetFiles(Path.Combine(Cache, Name)).Select(Path.GetFileName).Order());
        Assert.Equal([Path.Combine(Cache, Name)], Directory.GetFileSystemEntries(Cache));

        // The next load finds the cached copy.
        DataFixtures.Load(Config, Source(handler));
        Assert.Single(handler.Requests);
    }

    [Fact]
    public void Offline_NamesTheUrlAndWhereToPutRatingsByHand()
    {
        var handler = FakeHttpHandler.Failing(new HttpRequestException("Name or service not known (files.example.test:443)"));

        var error = Assert.Throws<DatasetDownloadException>(() => DataFixtures.Load(Config, Source(handler)));

        string manualPath = Path.Combine(DataDir, Name, "ratings.csv");
        Assert.Equal(manualPath, error.ManualPath);
        Assert.Contains("https://files.example.test/movielens/ml-latest-small.zip", error.Message);
        Assert.Contains("Name or service not known", error.Message);
        Assert.Contains($"put its ratings.csv (and movies.csv) at {manualPath}", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(Cache));
    }

    [Fact]
    public void HttpError_IsReportedWithItsStatus()
    {
        var error = Assert.Throws<DatasetDownloadException>(() => DataFixtures.Load(Config, Source(FakeHttpHandler.Answering(HttpStatusCode.NotFound))));

        Assert.Contains("the server answered 404 Not Found", error.Message);
    }

    [Fact]
    public void ServerThatNeverAnswers_TimesOut()
    {
        var watch = Stopwatch.StartNew();

        var error = Assert.Throws<DatasetDownloadException>(() =>
            DataFixtures.Load(Config, Source(FakeHttpHandler.Hanging(), timeout: TimeSpan.FromMilliseconds(300))));

        Assert.Contains("no response for 0.3 s", error.Message);
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Cancellation_IsNotADownloadFailure()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() =>
            DatasetLoader.Load(Config, Source(FakeHttpHandler.Hanging()), log: null, cancel.Token));
    }

    [Theory]
    [InlineData("not a zip file at all")]
    [InlineData("wrong folder")]
    [InlineData("wrong header")]
    public void DownloadThatIsNotTheDataSet_IsRejectedAndLeavesNothing(string problem)
    {
        byte[] body = problem switch
        {
            "wrong folder" => Zip(("ratings.csv", DataFixtures.MovieLensRatings)),
            "wrong header" => Zip(("ml-latest-small/ratings.csv", "<html>rate limited</html>\n")),
            _ => "<html>Service unavailable</html>"u8.ToArray(),
        };

        var error = Assert.Throws<DatasetDownloadException>(() => DataFixtures.Load(Config, Source(FakeHttpHandler.Serving(body))));

        Assert.Contains("ml-latest-small.zip", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(Cache));
    }

    [Fact]
    public void SearchOrder_IsDataDirThenEnvironmentThenCache()
    {
        string environment = Path.Combine(_scratch.Path, "env");
        var source = new MovieLensSource(Cache, environment, FakeHttpHandler.Failing(new InvalidOperationException("must not download")), BaseUrl);
        string Find() => source.FindOrDownload(Name, DataDir, cancellationToken: TestContext.Current.CancellationToken);

        string inCache = DataFixtures.Write(Cache, "ml-latest-small/ratings.csv", DataFixtures.MovieLensRatings);
        Assert.Equal(inCache, Find());
        string inEnvironment = DataFixtures.Write(environment, "ml-latest-small/ratings.csv", DataFixtures.MovieLensRatings);
        Assert.Equal(inEnvironment, Find());
        string inDataDir = DataFixtures.Write(DataDir, "ml-latest-small/ratings.csv", DataFixtures.MovieLensRatings);
        Assert.Equal(inDataDir, Find());
        Assert.Equal([DataDir, environment, Cache], source.SearchDirectories(DataDir));
    }

    [Fact]
    public void OlderSets_AreDownloadedWithTheirOwnFiles_AndCheckedByTheirFirstLine()
    {
        var fixture = new RatingFixture();
        byte[] movies = System.Text.Encoding.Latin1.GetBytes("1::Misérables, Les (1995)::Drama\n");
        byte[] zip = AddEntry(Zip(("ml-1m/ratings.dat", fixture.MovieLens1M()), ("ml-1m/users.dat", "1::F::1::10::48067\n")), "ml-1m/movies.dat", movies);
        var handler = FakeHttpHandler.Serving(zip);
        var config = new VaeConfig { Data = new DataConfig { Dataset = KnownDatasets.MovieLens1M, DataDir = DataDir } };

        var dataset = DataFixtures.Load(config, Source(handler));

        Assert.Equal([new Uri(BaseUrl, "ml-1m.zip")], handler.Requests);
        Assert.Equal(["movies.dat", "ratings.dat"], Directory.GetFiles(Path.Combine(Cache, "ml-1m")).Select(Path.GetFileName).Order());
        Assert.Equal("Misérables, Les (1995)", dataset.ItemNames![Array.IndexOf(dataset.ItemIds, "1")]);

        var wrong = FakeHttpHandler.Serving(Zip(("ml-100k/u.data", "user,item\n1,2\n")));
        var error = Assert.Throws<DatasetDownloadException>(() =>
            DataFixtures.Load(config with { Data = config.Data with { Dataset = KnownDatasets.MovieLens100K } }, Source(wrong)));
        Assert.Contains("ml-100k/u.data starts with 'user,item', not a line like", error.Message);
        Assert.Contains($"put its u.data (and u.item) at {Path.Combine(DataDir, "ml-100k", "u.data")}", error.Message);
    }

    [Fact]
    public void DataPath_NamesTheFolderOrFileOfAMovieLensSet()
    {
        string folder = Path.Combine(_scratch.Path, "elsewhere");
        DataFixtures.Write(folder, "ratings.csv", DataFixtures.MovieLensRatings);
        var config = DataFixtures.SmallConfig(new DataConfig { Dataset = KnownDatasets.MovieLens20M, Path = folder });

        var fromFolder = DataFixtures.Load(config, Source(FakeHttpHandler.Failing(new InvalidOperationException("must not download"))));
        var fromFile = DataFixtures.Load(config with { Data = config.Data with { Path = Path.Combine(folder, "ratings.csv") } });

        Assert.Equal(DataFixtures.MovieLensPositives, DataFixtures.Pairs(fromFolder));
        SplitInvariants.AssertIdentical(fromFolder, fromFile);
        var missing = Assert.Throws<FileNotFoundException>(() =>
            DataFixtures.Load(config with { Data = config.Data with { Dataset = KnownDatasets.MovieLens1M } }));
        Assert.Contains($"data.path is {folder}, which is not ratings.dat nor a folder holding it", missing.Message);
    }

    private static byte[] AddEntry(byte[] zip, string path, byte[] contents)
    {
        using var buffer = new MemoryStream();
        buffer.Write(zip);
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Update, leaveOpen: true))
        using (var entry = archive.CreateEntry(path).Open())
            entry.Write(contents);
        return buffer.ToArray();
    }

    private static byte[] Zip(params (string Path, string Text)[] files)
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (path, text) in files)
            {
                using var writer = new StreamWriter(archive.CreateEntry(path).Open());
                writer.Write(text);
            }
        return buffer.ToArray();
    }

    private sealed class ListLog(List<string> lines) : IProgress<string>
    {
        public void Report(string value) => lines.Add(value);
    }
}

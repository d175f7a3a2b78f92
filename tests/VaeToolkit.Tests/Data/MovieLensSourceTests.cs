using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.Data.Sources;

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

    /// <summary>A source that downloads through <paramref name="handler"/> and expects the SHA-256 of <paramref name="served"/> for every set.</summary>
    private MovieLensSource Source(FakeHttpHandler handler, TimeSpan? timeout = null, byte[]? served = null) =>
        new(Cache, environmentDirectory: null, handler, BaseUrl, timeout, served is null ? null : HashesOf(served));

    private static Dictionary<string, string> HashesOf(byte[] archive)
    {
        string hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(archive));
        return new[] { "ml-latest-small", "ml-20m", "ml-1m", "ml-100k" }.ToDictionary(name => name, _ => hash);
    }

    /// <summary>What the cache folder holds, less the lock files that downloads take turns on.</summary>
    private string[] CacheEntries() =>
        Directory.Exists(Cache) ? Directory.GetFileSystemEntries(Cache).Where(entry => Path.GetFileName(entry) != ".locks").ToArray() : [];

    [Fact]
    public void MissingDataSet_IsDownloadedVerifiedAndUnpackedIntoTheCache()
    {
        byte[] archive = Zip(("ml-latest-small/ratings.csv", DataFixtures.MovieLensRatings),
            ("ml-latest-small/movies.csv", DataFixtures.MovieLensMovies), ("ml-latest-small/genome-scores.csv", "not needed"));
        var handler = FakeHttpHandler.Serving(archive);
        var log = new List<string>();

        var dataset = DataFixtures.Load(Config, Source(handler, served: archive), new ListLog(log));

        Assert.Equal([new Uri(BaseUrl, "ml-latest-small.zip")], handler.Requests);
        Assert.Equal(DataFixtures.MovieLensPositives, DataFixtures.Pairs(dataset));
        Assert.Equal("American President, The (1995)", dataset.ItemNames![Array.IndexOf(dataset.ItemIds, "10")]);
        Assert.Contains(log, line => line.EndsWith(": 100%", StringComparison.Ordinal));
        // Only the files a data set needs, and nothing half-done, are left behind.
        Assert.Equal(["movies.csv", "ratings.csv"], Directory.GetFiles(Path.Combine(Cache, Name)).Select(Path.GetFileName).Order());
        Assert.Equal([Path.Combine(Cache, Name)], CacheEntries());

        // The next load finds the cached copy.
        DataFixtures.Load(Config, Source(handler, served: archive));
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
        Assert.Empty(CacheEntries());
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

        var error = Assert.Throws<DatasetDownloadException>(() => DataFixtures.Load(Config, Source(FakeHttpHandler.Serving(body), served: body)));

        Assert.Contains("ml-latest-small.zip", error.Message);
        Assert.Empty(CacheEntries());
    }

    [Fact]
    public void ArchiveWithoutThePinnedHash_IsAClearErrorAndIsDiscarded()
    {
        // A well-formed archive, but not GroupLens's: the real pinned hashes apply.
        byte[] archive = Zip(("ml-latest-small/ratings.csv", DataFixtures.MovieLensRatings), ("ml-latest-small/movies.csv", DataFixtures.MovieLensMovies));
        string actual = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(archive));

        var error = Assert.Throws<DatasetDownloadException>(() => DataFixtures.Load(Config, Source(FakeHttpHandler.Serving(archive))));

        Assert.Contains($"ml-latest-small.zip has SHA-256 {actual}, not the pinned {MovieLensSource.PinnedSha256[Name]}", error.Message);
        Assert.Contains("the download was discarded", error.Message);
        Assert.Empty(CacheEntries());
    }

    [Fact]
    public void EveryDownloadableSet_HasAPinnedHash()
    {
        foreach (string name in new[] { KnownDatasets.MovieLensLatestSmall, KnownDatasets.MovieLens20M, KnownDatasets.MovieLens1M, KnownDatasets.MovieLens100K })
        {
            Assert.Matches("^[0-9a-f]{64}$", MovieLensSource.PinnedSha256[name]);
            Assert.NotNull(MovieLensSource.RatingsFileName(name));
        }
        Assert.Equal(4, MovieLensSource.PinnedSha256.Values.Distinct().Count());
    }

    [Fact]
    public async Task ConcurrentDownloadsOfOneSet_DownloadOnce_AndAllSucceed()
    {
        byte[] archive = Zip(("ml-latest-small/ratings.csv", DataFixtures.MovieLensRatings), ("ml-latest-small/movies.csv", DataFixtures.MovieLensMovies));
        // A slow server, so that downloads that do not take turns overlap.
        var handler = FakeHttpHandler.Serving(archive, TimeSpan.FromMilliseconds(400));
        const int Downloads = 4;
        using var start = new Barrier(Downloads);

        var found = Enumerable.Range(0, Downloads).Select(_ => Task.Run(() =>
        {
            var source = Source(handler, served: archive); // one source per "process"
            start.SignalAndWait(TestContext.Current.CancellationToken);
            return source.FindOrDownload(Name, DataDir, cancellationToken: TestContext.Current.CancellationToken);
        })).ToArray();
        string[] paths = await Task.WhenAll(found);

        Assert.Single(handler.Requests);
        Assert.All(paths, path => Assert.Equal(Path.Combine(Cache, Name, "ratings.csv"), path));
        Assert.Equal([Path.Combine(Cache, Name)], CacheEntries());
        Assert.Equal(DataFixtures.MovieLensRatings, File.ReadAllText(Path.Combine(Cache, Name, "ratings.csv")));
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

        var dataset = DataFixtures.Load(config, Source(handler, served: zip));

        Assert.Equal([new Uri(BaseUrl, "ml-1m.zip")], handler.Requests);
        Assert.Equal(["movies.dat", "ratings.dat"], Directory.GetFiles(Path.Combine(Cache, "ml-1m")).Select(Path.GetFileName).Order());
        Assert.Equal("Misérables, Les (1995)", dataset.ItemNames![Array.IndexOf(dataset.ItemIds, "1")]);

        byte[] wrongArchive = Zip(("ml-100k/u.data", "user,item\n1,2\n"));
        var error = Assert.Throws<DatasetDownloadException>(() =>
            DataFixtures.Load(config with { Data = config.Data with { Dataset = KnownDatasets.MovieLens100K } }, Source(FakeHttpHandler.Serving(wrongArchive), served: wrongArchive)));
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

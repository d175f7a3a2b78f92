using VaeToolkit.Configuration;
using VaeToolkit.Data;

namespace VaeToolkit.Tests.Data;

public sealed class PreparedCacheTests : IDisposable
{
    private readonly TemporaryDirectory _scratch = new();
    private readonly string _cache;
    private readonly VaeConfig _config;

    public PreparedCacheTests()
    {
        _cache = _scratch.Combine("prepared");
        DataFixtures.Write(_scratch.Path, "ml-1m/ratings.dat", new RatingFixture().MovieLens1M());
        DataFixtures.Write(_scratch.Path, "ml-1m/movies.dat", "1::Toy Story (1995)::Animation\n");
        _config = new VaeConfig { Data = new DataConfig { Dataset = KnownDatasets.MovieLens1M, DataDir = _scratch.Path } };
    }

    public void Dispose() => _scratch.Dispose();

    private DatasetPreparation Prepare(VaeConfig? config = null, bool force = false, List<string>? log = null) =>
        DataFixtures.Prepare(config ?? _config, DataFixtures.NoDownload(_scratch.Path), log is null ? null : new Progress(log), _cache, force);

    [Fact]
    public void SecondPreparation_ComesFromTheCache_Identical()
    {
        var first = Prepare();
        var second = Prepare();

        Assert.False(first.Report.FromCache);
        Assert.True(second.Report.FromCache);
        Assert.Equal(first.Report.CacheFile, second.Report.CacheFile);
        Assert.Equal([first.Report.CacheFile], Directory.GetFiles(_cache));
        Assert.StartsWith(Path.Combine(_cache, "ml-1m-"), first.Report.CacheFile);
        SplitInvariants.AssertIdentical(first.Dataset, second.Dataset);
        Assert.Equal(first.Dataset.ItemNames, second.Dataset.ItemNames);
        Assert.Equal(first.Report with { FromCache = true, Seconds = second.Report.Seconds }, second.Report with { SourceFiles = first.Report.SourceFiles });
        Assert.Contains("cache_read", second.Report.Seconds.Keys);
        Assert.DoesNotContain("parse", second.Report.Seconds.Keys);
    }

    [Fact]
    public void Force_PreparesFromTheSourceAndRewritesTheCache()
    {
        var first = Prepare();
        File.WriteAllBytes(first.Report.CacheFile!, []);

        var forced = Prepare(force: true);

        Assert.False(forced.Report.FromCache);
        Assert.Contains("parse", forced.Report.Seconds.Keys);
        Assert.True(Prepare().Report.FromCache);
    }

    [Fact]
    public void ChangedSourceOrSetting_MissesTheCache()
    {
        var first = Prepare();

        var otherSeed = Prepare(_config with { Seed = _config.Seed + 1 });
        Assert.False(otherSeed.Report.FromCache);
        Assert.NotEqual(first.Report.CacheFile, otherSeed.Report.CacheFile);
        var otherThreshold = Prepare(_config with { Data = _config.Data with { PositiveThreshold = 2.5 } });
        Assert.False(otherThreshold.Report.FromCache);

        File.AppendAllText(_scratch.Combine("ml-1m", "ratings.dat"), "1::29::5::978300760\n");
        var changed = Prepare();
        Assert.False(changed.Report.FromCache);
        Assert.NotEqual(first.Dataset.DataHash, changed.Dataset.DataHash);

        // A new names file is part of the key too.
        DataFixtures.Write(_scratch.Path, "ml-1m/movies.dat", "1::Toy Story, The Sequel (1999)::Animation\n");
        var renamed = Prepare();
        Assert.False(renamed.Report.FromCache);
        Assert.Equal("Toy Story, The Sequel (1999)", renamed.Dataset.ItemNames![Array.IndexOf(renamed.Dataset.ItemIds, "1")]);
    }

    [Fact]
    public void CorruptCacheFile_IsIgnoredAndReplaced()
    {
        string file = Prepare().Report.CacheFile!;
        byte[] bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..(bytes.Length / 2)]);
        var log = new List<string>();

        var again = Prepare(log: log);

        Assert.False(again.Report.FromCache);
        Assert.Contains(log, line => line.StartsWith($"Ignoring the prepared data cache {file}: ", StringComparison.Ordinal) && line.Contains("truncated"));
        Assert.True(Prepare().Report.FromCache);
    }

    [Fact]
    public void DatasetLoader_CachesBesideTheDownloadFolder()
    {
        var source = DataFixtures.NoDownload(_scratch.Path);
        string prepared = DatasetPreparer.CacheDirectoryBeside(source.CacheDirectory);

        DatasetLoader.Load(_config, source, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(_scratch.Combine("prepared"), prepared);
        Assert.Single(Directory.GetFiles(prepared, "ml-1m-*.vprep"));
        Assert.EndsWith(Path.Combine("vaetoolkit", "prepared"), DatasetPreparer.DefaultCacheDirectory());
    }

    [Fact]
    public void SyntheticData_IsNotCached()
    {
        var report = Prepare(new VaeConfig { Data = new DataConfig { Synthetic = new SyntheticDataConfig { Users = 200, Items = 50 } } }).Report;

        Assert.Null(report.CacheFile);
        Assert.False(Directory.Exists(_cache));
    }

    private sealed class Progress(List<string> lines) : IProgress<string>
    {
        public void Report(string value) => lines.Add(value);
    }
}

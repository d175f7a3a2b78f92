using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.Data.Caching;

namespace VaeToolkit.Tests.Data;

/// <summary>The prepared-data cache's size cap: last use recorded on every hit, least recently used files pruned after each write.</summary>
public sealed class PreparedDataCacheTests : IDisposable
{
    private readonly TemporaryDirectory _scratch = new();
    private readonly string _cache;
    private readonly VaeConfig _config;

    public PreparedDataCacheTests()
    {
        _cache = _scratch.Combine("prepared");
        DataFixtures.Write(_scratch.Path, "ml-1m/ratings.dat", new RatingFixture().MovieLens1M());
        _config = new VaeConfig { Data = new DataConfig { Dataset = KnownDatasets.MovieLens1M, DataDir = _scratch.Path } };
    }

    public void Dispose() => _scratch.Dispose();

    private DatasetPreparation Prepare(int seed, long maxBytes, List<string>? log = null) =>
        new DatasetPreparer(DataFixtures.NoDownload(_scratch.Path), _cache, maxBytes)
            .Prepare(_config with { Seed = seed }, log: log is null ? null : new Progress(log), cancellationToken: TestContext.Current.CancellationToken);

    private string[] CacheFiles() => Directory.GetFiles(_cache, "*.vprep").Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void SeedSweep_KeepsTheCacheUnderItsCap_DroppingTheLeastRecentlyUsed()
    {
        string first = Prepare(1, long.MaxValue).Report.CacheFile!;
        long size = new FileInfo(first).Length;
        long cap = size * 5 / 2; // room for two files, not three
        var log = new List<string>();

        string second = Prepare(2, cap).Report.CacheFile!;
        Age(first, TimeSpan.FromMinutes(3));
        Age(second, TimeSpan.FromMinutes(2));
        Assert.True(Prepare(1, cap).Report.FromCache); // a hit: seed 1 becomes the most recently used
        string third = Prepare(3, cap, log).Report.CacheFile!;

        Assert.Equal(new[] { first, third }.Order(StringComparer.Ordinal), CacheFiles());
        Assert.Contains(log, line => line.StartsWith($"Removed the least recently used prepared data set {second}", StringComparison.Ordinal));
        for (int seed = 4; seed <= 8; seed++) Prepare(seed, cap);
        Assert.Equal(2, CacheFiles().Length);
        Assert.InRange(CacheFiles().Sum(file => new FileInfo(file).Length), 0, cap);
    }

    [Fact]
    public void CacheHit_RecordsTheUse()
    {
        string file = Prepare(1, long.MaxValue).Report.CacheFile!;
        Age(file, TimeSpan.FromDays(30));

        Assert.True(Prepare(1, long.MaxValue).Report.FromCache);

        Assert.InRange(DateTime.UtcNow - File.GetLastWriteTimeUtc(file), TimeSpan.Zero, TimeSpan.FromMinutes(1));
    }

    [Fact]
    public void FileJustWritten_StaysEvenOverTheCap()
    {
        string file = Prepare(1, 0).Report.CacheFile!;

        Assert.Equal([file], CacheFiles());
        Assert.True(Prepare(1, 0).Report.FromCache);
    }

    [Fact]
    public void FileOpenInAnotherReader_IsNotDeleted()
    {
        string file = Prepare(1, long.MaxValue).Report.CacheFile!;
        var cache = new PreparedDataCache(_cache, 0);

        // Opened as PreparedDatasetFile reads it: shared for reading, so a Windows delete fails and a Unix exclusive flock too.
        using (new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            CachePruneResult held = cache.Prune();
            Assert.Empty(held.Removed);
            Assert.Equal([file], held.InUse.Select(entry => entry.Path));
            Assert.True(File.Exists(file));
        }

        CachePruneResult released = cache.Prune();
        Assert.Equal([file], released.Removed.Select(entry => entry.Path));
        Assert.Empty(CacheFiles());
    }

    [Fact]
    public void StaleTemporaryFiles_ArePruned_FreshOnesKept()
    {
        Directory.CreateDirectory(_cache);
        string stale = Path.Combine(_cache, "ml-1m-0123456789abcdef.vprep.tmp-99-dead");
        string fresh = Path.Combine(_cache, "ml-1m-0123456789abcdef.vprep.tmp-98-live");
        File.WriteAllText(stale, "half a file");
        File.WriteAllText(fresh, "being written");
        Age(stale, TimeSpan.FromHours(2));

        new PreparedDataCache(_cache, long.MaxValue).Prune();

        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(fresh));
    }

    [Theory]
    [InlineData("1048576", 1048576L)]
    [InlineData("500M", 500L << 20)]
    [InlineData("10G", 10L << 30)]
    [InlineData(" 1.5 GB ", 3L << 29)]
    [InlineData("0", 0L)]
    [InlineData("ten gigs", null)]
    [InlineData("-5", null)]
    [InlineData("", null)]
    public void Sizes_AreBytesOrPowersOf1024(string text, long? bytes) => Assert.Equal(bytes, PreparedDataCache.ParseSize(text));

    [Fact]
    public void CapFromTheEnvironment_IsReadAndAMalformedOneNamed()
    {
        // The tests run one at a time (xunit.runner.json), so the variable is this test's alone.
        string? saved = Environment.GetEnvironmentVariable(PreparedDataCache.MaxBytesVariable);
        try
        {
            Environment.SetEnvironmentVariable(PreparedDataCache.MaxBytesVariable, null);
            Assert.Equal(PreparedDataCache.DefaultMaxBytes, new DatasetPreparer(DataFixtures.NoDownload(_scratch.Path), _cache).Cache!.MaxBytes);
            Environment.SetEnvironmentVariable(PreparedDataCache.MaxBytesVariable, "2K");
            Assert.Equal(2048, new DatasetPreparer(DataFixtures.NoDownload(_scratch.Path), _cache).Cache!.MaxBytes);

            Environment.SetEnvironmentVariable(PreparedDataCache.MaxBytesVariable, "ten gigs");
            var error = Assert.Throws<ConfigException>(() => new DatasetPreparer(DataFixtures.NoDownload(_scratch.Path), _cache));
            Assert.Contains("$VAETOOLKIT_CACHE_MAX_BYTES is 'ten gigs', which is not a size in bytes", error.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(PreparedDataCache.MaxBytesVariable, saved);
        }
    }

    [Fact]
    public async Task ConcurrentPreparationsOfOneDataSet_PrepareItOnce_AndAllSucceed()
    {
        const int Preparations = 4;
        using var start = new Barrier(Preparations);

        var preparations = Enumerable.Range(0, Preparations).Select(_ => Task.Run(() =>
        {
            start.SignalAndWait(TestContext.Current.CancellationToken);
            return Prepare(1, long.MaxValue);
        })).ToArray();
        DatasetPreparation[] results = await Task.WhenAll(preparations);

        Assert.Single(results, result => !result.Report.FromCache);
        Assert.Single(CacheFiles());
        foreach (var result in results) SplitInvariants.AssertIdentical(results[0].Dataset, result.Dataset);
    }

    private static void Age(string file, TimeSpan age) => File.SetLastWriteTimeUtc(file, DateTime.UtcNow - age);

    private sealed class Progress(List<string> lines) : IProgress<string>
    {
        public void Report(string value)
        {
            lock (lines) lines.Add(value);
        }
    }
}

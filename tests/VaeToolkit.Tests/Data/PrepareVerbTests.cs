using System.Text.Json;

using VaeToolkit.Data.Caching;
using VaeToolkit.Tests.Cli;

namespace VaeToolkit.Tests.Data;

/// <summary>The console verbs of data preparation: prepare, generate-ratings and prepare-benchmark.</summary>
public sealed class PrepareVerbTests : IDisposable
{
    private readonly TemporaryDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public void Prepare_PrintsTheReportAsJson_ThenUsesTheCache_UnlessForced()
    {
        string source = _scratch.Combine("ml-100k");
        DataFixtures.Write(source, "u.data", new RatingFixture().MovieLens100K());
        string[] args = ["prepare", "--dataset", "ml-100k", "--source", source, "--cache", _scratch.Combine("cache"), "--set", "data.heldout_users=3"];

        var (exitCode, output, log) = CliRunner.Run(args);

        Assert.Equal(0, exitCode);
        Assert.Contains("Reading ", log);
        using var report = JsonDocument.Parse(output);
        JsonElement root = report.RootElement;
        Assert.Equal("ml-100k", root.GetProperty("name").GetString());
        Assert.False(root.GetProperty("from_cache").GetBoolean());
        Assert.Equal(3, root.GetProperty("test_users").GetInt32());
        int users = root.GetProperty("users").GetInt32();
        Assert.Equal(users, root.GetProperty("train_users").GetInt32() + 6);
        long interactions = root.GetProperty("interactions").GetInt64();
        Assert.Equal(interactions / (double)(users * root.GetProperty("items").GetInt32()), root.GetProperty("density").GetDouble(), 12);
        Assert.True(root.GetProperty("items_per_user").GetProperty("p50").GetInt32() >= 5);
        Assert.Equal([Path.Combine(source, "u.data")], root.GetProperty("source_files").EnumerateArray().Select(e => e.GetString()));

        using (var cached = JsonDocument.Parse(CliRunner.Run(args).Output))
            Assert.True(cached.RootElement.GetProperty("from_cache").GetBoolean());
        using (var forced = JsonDocument.Parse(CliRunner.Run([.. args, "--force"]).Output))
            Assert.False(forced.RootElement.GetProperty("from_cache").GetBoolean());
    }

    [Fact]
    public void Prepare_MissingSourceOfADataSetWithoutDownload_FailsNamingTheFiles()
    {
        var (exitCode, _, error) = CliRunner.Run("prepare", "--dataset", "pinterest", "--source", _scratch.Path, "--cache", _scratch.Combine("cache"));

        Assert.Equal(1, exitCode);
        Assert.Contains($"pinterest was not found: expected pinterest-20.train.rating or pinterest-20.test.rating in {_scratch.Path}", error);
    }

    [Fact]
    public void CacheListAndPrune_PrintJson_AndPruneTheLeastRecentlyUsed()
    {
        string source = _scratch.Combine("ml-100k");
        DataFixtures.Write(source, "u.data", new RatingFixture().MovieLens100K());
        string cache = _scratch.Combine("cache");
        string downloads = _scratch.Combine("downloads");
        DataFixtures.Write(downloads, "ml-1m/ratings.dat", "1::1::5::978300760\n");
        string[] files = new string[3];
        for (int seed = 0; seed < 3; seed++)
        {
            var (prepared, output, _) = CliRunner.Run("prepare", "--dataset", "ml-100k", "--source", source, "--cache", cache, "--set", $"seed={seed}");
            Assert.Equal(0, prepared);
            using var report = JsonDocument.Parse(output);
            files[seed] = report.RootElement.GetProperty("cache_file").GetString()!;
            File.SetLastWriteTimeUtc(files[seed], DateTime.UtcNow.AddHours(seed - 3)); // seed 0 is the least recently used
        }
        string[] cacheOptions = ["--cache", cache, "--download-cache", downloads];

        var (listed, listOutput, _) = CliRunner.Run(["cache", "list", .. cacheOptions]);

        Assert.Equal(0, listed);
        using (var listing = JsonDocument.Parse(listOutput))
        {
            JsonElement root = listing.RootElement;
            var entries = root.GetProperty("entries").EnumerateArray().ToList();
            Assert.Equal([.. files, Path.Combine(downloads, "ml-1m")], entries.Select(entry => entry.GetProperty("path").GetString()));
            Assert.Equal(["Prepared", "Prepared", "Prepared", "Download"], entries.Select(entry => entry.GetProperty("kind").GetString()));
            Assert.Equal(files.Sum(file => new FileInfo(file).Length), root.GetProperty("prepared_bytes").GetInt64());
            Assert.Equal(new FileInfo(files[0]).Length, entries[0].GetProperty("bytes").GetInt64());
            Assert.True(entries[0].GetProperty("last_used").GetDateTime() < entries[1].GetProperty("last_used").GetDateTime());
            Assert.Equal(PreparedDataCache.DefaultMaxBytes, root.GetProperty("max_bytes").GetInt64());
        }

        long keepOne = new FileInfo(files[2]).Length;
        var (pruned, pruneOutput, _) = CliRunner.Run(["cache", "prune", "--max-bytes", $"{keepOne}", .. cacheOptions]);

        Assert.Equal(0, pruned);
        using (var result = JsonDocument.Parse(pruneOutput))
        {
            Assert.Equal(files[..2], result.RootElement.GetProperty("removed").EnumerateArray().Select(entry => entry.GetProperty("path").GetString()));
            Assert.Equal(keepOne, result.RootElement.GetProperty("remaining_bytes").GetInt64());
        }
        Assert.Equal([files[2]], Directory.GetFiles(cache, "*.vprep"));
        Assert.True(Directory.Exists(Path.Combine(downloads, "ml-1m")));

        Assert.Equal(0, CliRunner.Run(["cache", "prune", "--all", "--downloads", .. cacheOptions]).ExitCode);
        Assert.Empty(Directory.GetFiles(cache, "*.vprep"));
        Assert.False(Directory.Exists(Path.Combine(downloads, "ml-1m")));
    }

    [Theory]
    [InlineData(new[] { "cache" }, "'cache' needs 'list' or 'prune'")]
    [InlineData(new[] { "cache", "prune", "--max-bytes", "lots" }, "option --max-bytes must be a size such as 1073741824 or 500M, not 'lots'")]
    [InlineData(new[] { "cache", "prune", "--max-bytes", "1G", "--all" }, "give --max-bytes or --all, not both")]
    [InlineData(new[] { "cache", "list", "--all" }, "unknown option --all for 'cache list'")]
    [InlineData(new[] { "prepare" }, "give --dataset or --config")]
    [InlineData(new[] { "prepare", "--dataset", "ml-100k", "--speed", "9" }, "unknown option --speed for 'prepare'")]
    [InlineData(new[] { "prepare-benchmark" }, "option --source is required")]
    public void BadCommandLines_AreUsageErrors(string[] args, string message)
    {
        var (exitCode, _, error) = CliRunner.Run(args);

        Assert.Equal(2, exitCode);
        Assert.Contains(message, error);
    }

    [Fact]
    public void GenerateRatings_ThenPrepareBenchmark_PrintFigures()
    {
        string ratings = _scratch.Combine("ratings.csv");
        var (generated, generateOutput, _) = CliRunner.Run("generate-ratings", "--output", ratings, "--rows", "40000", "--users", "800", "--movies", "300");
        Assert.Equal(0, generated);
        using (var written = JsonDocument.Parse(generateOutput))
            Assert.Equal(40000, written.RootElement.GetProperty("rows").GetInt64());

        var (exitCode, output, _) = CliRunner.Run("prepare-benchmark", "--source", ratings, "--cache", _scratch.Combine("cache"));

        Assert.Equal(0, exitCode);
        using var report = JsonDocument.Parse(output);
        JsonElement root = report.RootElement;
        Assert.Equal(40000, root.GetProperty("rows").GetInt64());
        Assert.True(root.GetProperty("rows_per_second").GetDouble() > 0);
        Assert.True(root.GetProperty("peak_memory_mb").GetDouble() > 0);
        Assert.True(root.GetProperty("cached_load_seconds").GetDouble() > 0);
        Assert.True(root.GetProperty("stage_seconds").GetProperty("parse").GetDouble() > 0);
        Assert.InRange(root.GetProperty("dataset").GetProperty("users").GetInt32(), 700, 800);
        Assert.Equal(80, root.GetProperty("dataset").GetProperty("test_users").GetInt32());
    }
}

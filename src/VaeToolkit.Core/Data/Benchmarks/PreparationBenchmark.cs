using System.Diagnostics;
using VaeToolkit.Configuration;
using VaeToolkit.Data.Sources;
using VaeToolkit.Data.Synthetic;

namespace VaeToolkit.Data.Benchmarks;

/// <summary>
/// Measures data preparation on a MovieLens-format <c>ratings.csv</c> (such as one from
/// <see cref="MovieLensRatingsGenerator"/>) with the ML-20M protocol: once from scratch, then once from
/// the cache. Run it in a fresh process for a meaningful peak memory figure.
/// </summary>
public static class PreparationBenchmark
{
    public static PreparationBenchmarkReport Run(string ratingsFile, string cacheDirectory, IProgress<string>? log = null, CancellationToken cancellationToken = default)
    {
        string source = Path.GetFullPath(ratingsFile);
        if (!File.Exists(source)) throw new FileNotFoundException($"ratings file not found: {source}", source);
        var config = new VaeConfig { Data = new DataConfig { Dataset = KnownDatasets.MovieLens20M, Path = source } };
        // MovieLens sets are never downloaded here: data.path names the file.
        var preparer = new DatasetPreparer(new MovieLensSource(Path.Combine(cacheDirectory, "downloads"), null), cacheDirectory);

        var watch = Stopwatch.StartNew();
        DatasetReport fresh = preparer.Prepare(config, force: true, log, cancellationToken).Report;
        watch.Stop();
        double peak = Process.GetCurrentProcess().PeakWorkingSet64 / 1e6;
        double cacheWrite = fresh.Seconds.GetValueOrDefault("cache_write");
        double prepare = watch.Elapsed.TotalSeconds - cacheWrite;

        watch.Restart();
        DatasetReport cached = preparer.Prepare(config, force: false, log, cancellationToken).Report;
        watch.Stop();
        if (!cached.FromCache) throw new InvalidOperationException($"the second preparation did not come from the cache {fresh.CacheFile}");

        return new PreparationBenchmarkReport
        {
            Source = source,
            SourceBytes = new FileInfo(source).Length,
            Rows = fresh.RowsRead,
            Cores = Environment.ProcessorCount,
            PrepareSeconds = prepare,
            CacheWriteSeconds = cacheWrite,
            RowsPerSecond = fresh.RowsRead / prepare,
            PeakMemoryMb = peak,
            StageSeconds = fresh.Seconds,
            CachedLoadSeconds = watch.Elapsed.TotalSeconds,
            CachedStageSeconds = cached.Seconds,
            Dataset = fresh,
        };
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using VaeToolkit.Configuration;
using VaeToolkit.Data.Caching;
using VaeToolkit.Data.Parsing;
using VaeToolkit.Data.Sources;
using VaeToolkit.Data.Splitting;
using VaeToolkit.Data.Synthetic;
using VaeToolkit.IO;

namespace VaeToolkit.Data;

/// <summary>
/// Prepares the data set a configuration names and reports it. The steps: locate the source (finding or
/// downloading it), hash it, parse it on every core, number the ids, split it as
/// <see cref="DatasetSplitter"/> does, and read item names. The result is cached in
/// <see cref="CacheDirectory"/> as binary CSR matrices and id maps, keyed by the source files (path, size,
/// time, sampled hash) and every preparation setting, so that the next preparation is a file read. The cache
/// is capped in size (<see cref="PreparedDataCache"/>): after each write the least recently used files go.
/// Preparations of one data set into one cache take turns on a lock file, so that processes preparing it
/// at the same time prepare it once: the first writes the cache, the others wait and then read it.
/// </summary>
public sealed class DatasetPreparer
{
    // Part of the data hash and the cache key: change it when the preparation changes, so that old hashes stop matching.
    // 3: ids are decoded strictly (invalid text is an error, not U+FFFD), so no earlier cache file with merged ids is reused.
    private const string PreparationVersion = "vaetoolkit prepared data 3";

    /// <summary>The default preparer: data sets from <c>$VAETOOLKIT_DATA</c>, the user cache and GroupLens; prepared data cached in <see cref="DefaultCacheDirectory"/>.</summary>
    public DatasetPreparer()
        : this(new MovieLensSource(), DefaultCacheDirectory())
    {
    }

    /// <param name="movieLens">Where data sets are searched for, and MovieLens sets downloaded.</param>
    /// <param name="cacheDirectory">Where prepared data sets are cached; null prepares every time.</param>
    /// <param name="cacheMaxBytes">The cache's cap; null reads <see cref="PreparedDataCache.MaxBytesVariable"/> (default 10 GiB).</param>
    /// <exception cref="ConfigException"><see cref="PreparedDataCache.MaxBytesVariable"/> is not a size.</exception>
    public DatasetPreparer(MovieLensSource movieLens, string? cacheDirectory, long? cacheMaxBytes = null)
    {
        MovieLens = movieLens;
        Cache = cacheDirectory is null ? null : new PreparedDataCache(cacheDirectory, cacheMaxBytes);
    }

    public MovieLensSource MovieLens { get; }

    /// <summary>The prepared-data cache; null when every preparation starts from the source.</summary>
    public PreparedDataCache? Cache { get; }

    public string? CacheDirectory => Cache?.Directory;

    /// <summary>The per-user prepared data cache, beside the downloads: <c>&lt;user cache&gt;/vaetoolkit/prepared</c>.</summary>
    public static string DefaultCacheDirectory() => CacheDirectoryBeside(MovieLensSource.DefaultCacheDirectory());

    /// <summary>The <c>prepared</c> folder beside a data set download folder.</summary>
    public static string CacheDirectoryBeside(string downloadDirectory) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(downloadDirectory).TrimEnd(Path.DirectorySeparatorChar)) ?? downloadDirectory, "prepared");

    /// <summary>Prepares the data set of <paramref name="config"/>, from the cache when it holds it.</summary>
    /// <param name="force">Prepares from the source even when the cache holds the data set (and then replaces it).</param>
    /// <exception cref="ConfigException">The settings do not fit the data set.</exception>
    /// <exception cref="DataFormatException">A malformed line (file and line number), or nothing left after the filters.</exception>
    /// <exception cref="DatasetDownloadException">A MovieLens set is not on disk and could not be downloaded.</exception>
    /// <exception cref="DatasetSourceNotFoundException">A data set without a download is not where it was looked for.</exception>
    public DatasetPreparation Prepare(VaeConfig config, bool force = false, IProgress<string>? log = null, CancellationToken cancellationToken = default)
    {
        if (config.Data.Dataset == KnownDatasets.Synthetic) return PrepareSynthetic(config);

        var timer = new StageTimer();
        DatasetSource source = timer.Time("locate", () => DatasetCatalog.Locate(config, MovieLens, log, cancellationToken));
        SplitSettings split = SplitSettingsOf(config, source);
        string name = config.Data.Dataset == KnownDatasets.File ? Path.GetFileName(source.Files[0]) : config.Data.Dataset;
        string settings = Settings(config, source, split);

        if (Cache is null) return PrepareFromSource(config, source, split, name, settings, null, "", timer, log, cancellationToken);

        string key = timer.Time("cache_key", () => CacheKey(settings, source));
        string cacheFile = Path.Combine(Cache.Directory, $"{config.Data.Dataset}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16]}{PreparedDataCache.Extension}");
        if (!force && FromCache(cacheFile, key, source, timer, log) is { } hit) return hit;

        // Take turns with other processes preparing this data set, then look again: the one before may have written it.
        using FileLock? turn = timer.Time("cache_wait", () => TakeTurn(Cache, config.Data.Dataset, name, log, cancellationToken));
        if (!force && FromCache(cacheFile, key, source, timer, log) is { } prepared) return prepared;
        return PrepareFromSource(config, source, split, name, settings, cacheFile, key, timer, log, cancellationToken);
    }

    // A lock that cannot be taken (a read-only cache folder) costs only the turn-taking, not the preparation.
    private static FileLock? TakeTurn(PreparedDataCache cache, string dataset, string name, IProgress<string>? log, CancellationToken cancellationToken)
    {
        string path = cache.LockPath(dataset);
        try
        {
            return FileLock.Acquire(path, log, $"Waiting for another process that is preparing {name} into {cache.Directory}", cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log?.Report($"Could not take the lock {path} ({e.Message}); preparing without it");
            return null;
        }
    }

    private static DatasetPreparation? FromCache(string cacheFile, string key, DatasetSource source, StageTimer timer, IProgress<string>? log)
    {
        if (timer.Time("cache_read", () => ReadCache(cacheFile, key, log)) is not { } hit) return null;
        PreparedDataCache.MarkUsed(cacheFile);
        log?.Report($"Loaded the prepared data set from {cacheFile}");
        return new(hit.Dataset, DatasetReport.Create(hit.Dataset, hit.Counts, source.Files, cacheFile, fromCache: true, timer.Seconds));
    }

    private DatasetPreparation PrepareFromSource(VaeConfig config, DatasetSource source, SplitSettings split, string name, string settings,
        string? cacheFile, string key, StageTimer timer, IProgress<string>? log, CancellationToken cancellationToken)
    {
        log?.Report($"Reading {source.Description}");
        string hash = timer.Time("hash", () => DataHash(settings, source, cancellationToken));
        List<SegmentRows> segments = timer.Time("parse", () => source.ReadSegments(split.LatestTargets, cancellationToken));
        InteractionTable table = timer.Time("index", () => InteractionTable.Merge(source.Description, segments, source.Encoding));
        segments.Clear(); // the per-segment rows are garbage from here on
        log?.Report(string.Create(CultureInfo.InvariantCulture,
            $"Read {table.RowsRead:N0} rows: {table.Count:N0} positives from {table.UserIds.Length:N0} users"));

        PreparedDataset dataset = timer.Time("split", () => DatasetSplitter.Split(table, split, name, hash));
        if (source.Names is { } names)
            dataset = timer.Time("names", () => dataset with { ItemNames = ItemNameReader.Read(names, dataset.ItemIds) });
        var counts = new SourceCounts(table.RowsRead, table.Count);
        if (cacheFile is not null && Cache is not null && timer.Time("cache_write", () => WriteCache(cacheFile, key, dataset, counts, log)))
            timer.Time("cache_prune", () => Prune(Cache, cacheFile, log));
        return new(dataset, DatasetReport.Create(dataset, counts, source.Files, cacheFile, fromCache: false, timer.Seconds));
    }

    private static DatasetPreparation PrepareSynthetic(VaeConfig config)
    {
        if (config.Data.TargetSplit == TargetSplits.Latest)
            throw new ConfigException(ConfigErrorCodes.OutOfRange, "'data.target_split: latest' needs timestamps, and synthetic data has none", config.SourcePath);
        var timer = new StageTimer();
        SyntheticDataConfig settings = config.Data.Synthetic;
        var synthetic = timer.Time("generate", () => SyntheticInteractions.Generate(settings, config.Seed));
        string[] userIds = Enumerable.Range(0, synthetic.UserCount).Select(SyntheticInteractions.UserId).ToArray();
        string[] itemIds = Enumerable.Range(0, synthetic.ItemCount).Select(SyntheticInteractions.ItemId).ToArray();
        var table = new InteractionTable("synthetic data", synthetic.Users.Length, synthetic.Users, synthetic.Items, null, userIds, itemIds);

        string description = string.Create(CultureInfo.InvariantCulture,
            $"users={settings.Users}\nitems={settings.Items}\ntastes={settings.Tastes}\nmean_items_per_user={settings.MeanItemsPerUser}\n" +
            $"popularity_exponent={settings.PopularityExponent:R}\ntaste_strength={settings.TasteStrength:R}\n");
        // Synthetic interactions have no ratings, so the threshold does not apply.
        var split = new SplitSettings(config.Seed, config.Data.MinItemsPerUser, config.Data.HeldoutUsers, DataConfig.MaxAutomaticHeldoutUsers,
            config.Data.TargetFraction, LatestTargets: false, FilterText: "");
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Settings(config, description, split))));
        PreparedDataset dataset = timer.Time("split", () => DatasetSplitter.Split(table, split, KnownDatasets.Synthetic, hash));
        string[] names = Array.ConvertAll(dataset.ItemIds, id => synthetic.ItemName(int.Parse(id, CultureInfo.InvariantCulture)));
        dataset = dataset with { ItemNames = names };
        return new(dataset, DatasetReport.Create(dataset, new SourceCounts(table.RowsRead, table.Count), [], null, fromCache: false, timer.Seconds));
    }

    private static SplitSettings SplitSettingsOf(VaeConfig config, DatasetSource source)
    {
        DataConfig data = config.Data;
        bool latest = (data.TargetSplit ?? KnownDatasets.DefaultTargetSplit(data.Dataset)) == TargetSplits.Latest;
        if (latest && !source.HasTimes)
            throw new ConfigException(ConfigErrorCodes.OutOfRange, $"'data.target_split: latest' needs timestamps, and {data.Dataset} has none", config.SourcePath);
        return new SplitSettings(config.Seed, data.MinItemsPerUser, data.HeldoutUsers, KnownDatasets.MaxAutomaticHeldoutUsers(data.Dataset),
            data.TargetFraction, latest, source.FilterText);
    }

    /// <summary>Every setting that shapes the prepared data, one per line.</summary>
    private static string Settings(VaeConfig config, DatasetSource source, SplitSettings split) => Settings(config, source.Settings, split);

    private static string Settings(VaeConfig config, string sourceSettings, SplitSettings split) => string.Create(CultureInfo.InvariantCulture,
        $"{PreparationVersion}\ndataset={config.Data.Dataset}\n{sourceSettings}min_items_per_user={split.MinItemsPerUser}\n" +
        $"heldout_users={split.HeldoutUsers?.ToString(CultureInfo.InvariantCulture) ?? "null"}\nmax_automatic_heldout_users={split.MaxAutomaticHeldoutUsers}\n" +
        $"target_fraction={split.TargetFraction:R}\ntarget_split={(split.LatestTargets ? TargetSplits.Latest : TargetSplits.Random)}\nseed={split.Seed}\n");

    /// <summary>SHA-256 over the settings and each source file's <see cref="SourceHash.Contents"/>: a function of the data and the settings only.</summary>
    private static string DataHash(string settings, DatasetSource source, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(settings));
        foreach (string file in source.Files)
        {
            if (!File.Exists(file)) throw new FileNotFoundException($"interactions file not found: {file}", file);
            hash.AppendData(SourceHash.Contents(file, cancellationToken));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The settings, the fingerprint of every source file and the item names file: what a cached preparation must match.</summary>
    private static string CacheKey(string settings, DatasetSource source)
    {
        var key = new StringBuilder(settings);
        foreach (string file in source.Files) key.Append("file=").AppendLine(SourceHash.Fingerprint(file));
        if (source.Names is { } names)
            key.Append("names=").Append(names.Describe()).Append('|').AppendLine(File.Exists(names.Path) ? SourceHash.Fingerprint(names.Path) : "(missing)");
        return key.ToString();
    }

    private static (PreparedDataset Dataset, SourceCounts Counts)? ReadCache(string cacheFile, string key, IProgress<string>? log)
    {
        try
        {
            return PreparedDatasetFile.TryLoad(cacheFile, key);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            log?.Report($"Ignoring the prepared data cache {cacheFile}: {e.Message}");
            return null;
        }
    }

    // A cache that cannot be written costs the next run time, not this one its result.
    private static bool WriteCache(string cacheFile, string key, PreparedDataset dataset, SourceCounts counts, IProgress<string>? log)
    {
        try
        {
            PreparedDatasetFile.Save(cacheFile, key, dataset, counts);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log?.Report($"Could not cache the prepared data set in {cacheFile}: {e.Message}");
            return false;
        }
    }

    // Pruning costs nothing but disk space when it fails; the data set just written always stays.
    private static bool Prune(PreparedDataCache cache, string written, IProgress<string>? log)
    {
        try
        {
            CachePruneResult result = cache.Prune(keep: written);
            foreach (CacheEntry removed in result.Removed)
                log?.Report(string.Create(CultureInfo.InvariantCulture,
                    $"Removed the least recently used prepared data set {removed.Path} ({removed.Bytes / 1e6:0.0} MB) to keep the cache under {cache.MaxBytes / 1e6:0.#} MB"));
            foreach (CacheEntry kept in result.InUse)
                log?.Report($"Kept {kept.Path} over the cache's cap: another process is reading it");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log?.Report($"Could not prune the prepared data cache {cache.Directory}: {e.Message}");
            return false;
        }
    }
}

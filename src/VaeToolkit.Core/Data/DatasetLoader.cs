using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using VaeToolkit.Configuration;

namespace VaeToolkit.Data;

/// <summary>
/// Reads the data set a configuration names (synthetic, MovieLens or a delimited file) and prepares it as
/// Liang et al. (2018) do: positives are ratings above <c>positive_threshold</c>; users need at least
/// <c>min_items_per_user</c> distinct positives; a shuffle seeded by <c>seed</c> holds out validation and
/// test users; the items are the training users' items; each held-out user's items are split, seeded,
/// into fold-in and targets. <see cref="DatasetSplitter"/> has the details.
/// </summary>
public static class DatasetLoader
{
    // Part of the data hash: change it when the preparation changes, so that old hashes stop matching.
    private const string PreparationVersion = "vaetoolkit prepared data 1";

    public static PreparedDataset Load(VaeConfig config, IProgress<string>? log = null, CancellationToken cancellationToken = default) =>
        Load(config, new MovieLensSource(), log, cancellationToken);

    /// <summary>As <see cref="Load(VaeConfig, IProgress{string}?, CancellationToken)"/>, finding MovieLens sets through <paramref name="movieLens"/>.</summary>
    public static PreparedDataset Load(VaeConfig config, MovieLensSource movieLens, IProgress<string>? log = null, CancellationToken cancellationToken = default)
    {
        DataConfig data = config.Data;
        var watch = Stopwatch.StartNew();
        PreparedDataset dataset;
        if (data.Dataset == KnownDatasets.Synthetic)
        {
            dataset = LoadSynthetic(config);
        }
        else if (data.Dataset == KnownDatasets.File)
        {
            string path = Path.GetFullPath(data.Path
                ?? throw new ConfigException(ConfigErrorCodes.OutOfRange, "'data.path' must name the interactions file when 'data.dataset' is file", config.SourcePath));
            dataset = LoadFile(config, path, InteractionFormat.From(data), Path.GetFileName(path), data.ItemNames, data.Delimiter[0], log, cancellationToken);
        }
        else if (KnownDatasets.MovieLens.Contains(data.Dataset))
        {
            string ratings = movieLens.FindOrDownload(data.Dataset, data.DataDir, log, cancellationToken);
            string movies = Path.Combine(Path.GetDirectoryName(ratings)!, "movies.csv");
            string? names = data.ItemNames ?? (File.Exists(movies) ? movies : null);
            dataset = LoadFile(config, ratings, InteractionFormat.MovieLens, data.Dataset, names, ',', log, cancellationToken);
        }
        else
        {
            throw new ConfigException(ConfigErrorCodes.OutOfRange,
                $"'data.dataset' must be one of {string.Join(", ", KnownDatasets.All)}, not '{data.Dataset}'", config.SourcePath);
        }

        log?.Report(string.Create(CultureInfo.InvariantCulture,
            $"{dataset.Name}: {dataset.ItemCount:N0} items; {dataset.TrainUserIds.Length:N0} training users with {dataset.Train.NonZeroCount:N0} interactions, " +
            $"{dataset.Validation.Count:N0} validation and {dataset.Test.Count:N0} test users (prepared in {watch.Elapsed.TotalSeconds:0.0} s)"));
        return dataset;
    }

    private static PreparedDataset LoadFile(VaeConfig config, string path, InteractionFormat format, string name, string? namesPath, char namesDelimiter,
        IProgress<string>? log, CancellationToken cancellationToken)
    {
        DataConfig data = config.Data;
        log?.Report($"Reading {path}");
        // Without a rating column every row is a positive, whatever the threshold says.
        double? threshold = format.RatingColumn is null ? null : data.PositiveThreshold;
        InteractionLog interactions = InteractionReader.Read(path, format, threshold, cancellationToken);
        log?.Report(string.Create(CultureInfo.InvariantCulture,
            $"Read {interactions.RowsRead:N0} rows: {interactions.Count:N0} positives from {interactions.UserIds.Count:N0} users"));

        string hash = Hash(Settings(config, format.Describe(), threshold), path, cancellationToken);
        PreparedDataset dataset = DatasetSplitter.Split(interactions, data, config.Seed, name, hash);
        return namesPath is null ? dataset : dataset with { ItemNames = ItemNameReader.Read(namesPath, namesDelimiter, dataset.ItemIds) };
    }

    private static PreparedDataset LoadSynthetic(VaeConfig config)
    {
        SyntheticDataConfig settings = config.Data.Synthetic;
        var synthetic = SyntheticInteractions.Generate(settings, config.Seed);
        var interactions = new InteractionLog("synthetic data") { RowsRead = synthetic.Users.Length };
        string[] userIds = Enumerable.Range(0, synthetic.UserCount).Select(SyntheticInteractions.UserId).ToArray();
        string[] itemIds = Enumerable.Range(0, synthetic.ItemCount).Select(SyntheticInteractions.ItemId).ToArray();
        for (int k = 0; k < synthetic.Users.Length; k++)
            interactions.Add(userIds[synthetic.Users[k]], itemIds[synthetic.Items[k]]);

        string description = string.Create(CultureInfo.InvariantCulture,
            $"users={settings.Users}\nitems={settings.Items}\ntastes={settings.Tastes}\nmean_items_per_user={settings.MeanItemsPerUser}\n" +
            $"popularity_exponent={settings.PopularityExponent:R}\ntaste_strength={settings.TasteStrength:R}\n");
        // Synthetic interactions have no ratings, so the threshold does not apply.
        string hash = Hash(Settings(config, description, threshold: null), file: null, CancellationToken.None);
        PreparedDataset dataset = DatasetSplitter.Split(interactions, config.Data, config.Seed, KnownDatasets.Synthetic, hash);
        string[] names = Array.ConvertAll(dataset.ItemIds, id => synthetic.ItemName(int.Parse(id, CultureInfo.InvariantCulture)));
        return dataset with { ItemNames = names };
    }

    /// <summary>Every setting that shapes the prepared data, one per line.</summary>
    private static string Settings(VaeConfig config, string sourceSettings, double? threshold)
    {
        DataConfig data = config.Data;
        return string.Create(CultureInfo.InvariantCulture,
            $"{PreparationVersion}\ndataset={data.Dataset}\n{sourceSettings}positive_threshold={threshold?.ToString("R", CultureInfo.InvariantCulture) ?? "null"}\n" +
            $"min_items_per_user={data.MinItemsPerUser}\nheldout_users={data.HeldoutUsers}\ntarget_fraction={data.TargetFraction:R}\nseed={config.Seed}\n");
    }

    /// <summary>SHA-256 over the settings and then the source file's bytes, streamed; lower-case hex.</summary>
    private static string Hash(string settings, string? file, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(settings));
        if (file is not null)
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
            var buffer = new byte[1 << 20];
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                hash.AppendData(buffer, 0, read);
            }
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}

using System.Globalization;
using VaeToolkit.Configuration;
using VaeToolkit.Data.Sources;

namespace VaeToolkit.Data;

/// <summary>
/// The training entry point to data: the data set a configuration names, prepared by
/// <see cref="DatasetPreparer"/> (the paper's protocol, or the data set's own), from the prepared data
/// cache when it holds it.
/// </summary>
public static class DatasetLoader
{
    public static PreparedDataset Load(VaeConfig config, IProgress<string>? log = null, CancellationToken cancellationToken = default) =>
        Load(config, new MovieLensSource(), log, cancellationToken);

    /// <summary>
    /// As <see cref="Load(VaeConfig, IProgress{string}?, CancellationToken)"/>, finding data sets through
    /// <paramref name="movieLens"/> and caching prepared ones in the <c>prepared</c> folder beside its cache.
    /// </summary>
    public static PreparedDataset Load(VaeConfig config, MovieLensSource movieLens, IProgress<string>? log = null, CancellationToken cancellationToken = default)
    {
        var preparer = new DatasetPreparer(movieLens, DatasetPreparer.CacheDirectoryBeside(movieLens.CacheDirectory));
        var (dataset, report) = preparer.Prepare(config, force: false, log, cancellationToken);
        log?.Report(string.Create(CultureInfo.InvariantCulture,
            $"{dataset.Name}: {dataset.ItemCount:N0} items; {dataset.TrainUserIds.Length:N0} training users with {dataset.Train.NonZeroCount:N0} interactions, " +
            $"{dataset.Validation.Count:N0} validation and {dataset.Test.Count:N0} test users " +
            $"({(report.FromCache ? "from the cache" : "prepared")} in {report.Seconds.Values.Sum():0.0} s)"));
        return dataset;
    }
}

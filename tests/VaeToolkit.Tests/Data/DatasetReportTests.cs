using VaeToolkit.Configuration;
using VaeToolkit.Data;

namespace VaeToolkit.Tests.Data;

public sealed class DatasetReportTests : IDisposable
{
    private readonly TemporaryDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public void Report_CountsWhatTheModelSees()
    {
        string path = DataFixtures.Write(_scratch.Path, "ratings.csv", DataFixtures.MovieLensRatings);
        var config = DataFixtures.SmallConfig(new DataConfig { Dataset = KnownDatasets.File, Path = path });

        DatasetReport report = DataFixtures.Prepare(config).Report;

        // 23 rows; 19 above 3.5 (user 1's duplicate included); 18 distinct pairs of 5 users and 4 items.
        Assert.Equal("ratings.csv", report.Name);
        Assert.Equal([path], report.SourceFiles);
        Assert.Equal(23, report.RowsRead);
        Assert.Equal(19, report.Positives);
        Assert.Equal(5, report.Users);
        Assert.Equal(4, report.Items);
        Assert.Equal(18, report.Interactions);
        Assert.Equal(18.0 / 20, report.Density, 12);
        Assert.Equal((3, 1, 1), (report.TrainUsers, report.ValidationUsers, report.TestUsers));
        Assert.Equal(18, report.TrainInteractions + report.ValidationFoldInInteractions + report.ValidationTargetInteractions
            + report.TestFoldInInteractions + report.TestTargetInteractions);
        // Items per user: 4, 4, 4, 3, 3.
        Assert.Equal(new ItemsPerUserPercentiles(Min: 3, P10: 3, P25: 3, P50: 4, P75: 4, P90: 4, P99: 4, Max: 4, Mean: 3.6), report.ItemsPerUser);
        Assert.Null(report.CacheFile);
        Assert.False(report.FromCache);
        Assert.Superset(new HashSet<string> { "locate", "hash", "parse", "index", "split" }, report.Seconds.Keys.ToHashSet());
    }

    [Fact]
    public void Percentiles_AreNearestRank()
    {
        var percentiles = ItemsPerUserPercentiles.Of(Enumerable.Range(1, 200).Reverse().ToArray());

        Assert.Equal(new ItemsPerUserPercentiles(1, 20, 50, 100, 150, 180, 198, 200, 100.5), percentiles);
    }
}

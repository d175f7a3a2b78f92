using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.Data.Sources;

namespace VaeToolkit.Tests.Data;

/// <summary>Small files written by the tests, and ways to read a prepared data set back.</summary>
internal static class DataFixtures
{
    /// <summary>
    /// A MovieLens ratings.csv with CRLF line ends, blank lines and a duplicate row. Items 10, 20, 30
    /// are liked by all five users and item 40 by three, so with one validation and one test user every
    /// liked item is some training user's item. Item 99 only has ratings of 3.5 and below.
    /// </summary>
    public const string MovieLensRatings =
        "userId,movieId,rating,timestamp\r\n" +
        "1,10,4.0,100\r\n1,20,5.0,100\r\n1,30,4.0,100\r\n1,40,4.5,100\r\n1,99,3.5,100\r\n1,10,4.0,101\r\n" +
        "\r\n" +
        "2,10,4.0,100\r\n2,20,4.0,100\r\n2,30,4.0,100\r\n2,40,4.5,100\r\n2,99,1.0,100\r\n" +
        "3,10,4.0,100\r\n3,20,4.0,100\r\n3,30,4.0,100\r\n3,40,4.5,100\r\n" +
        "4,10,4.0,100\r\n4,20,4.0,100\r\n4,30,4.0,100\r\n4,40,2.0,100\r\n" +
        "   \r\n" +
        "5,10,4.0,100\r\n5,20,4.0,100\r\n5,30,4.0,100\r\n5,99,3.0,100\r\n";

    /// <summary>The (user, item) pairs of <see cref="MovieLensRatings"/> rated above 3.5.</summary>
    public static readonly HashSet<(string User, string Item)> MovieLensPositives =
    [
        .. from user in new[] { "1", "2", "3", "4", "5" } from item in new[] { "10", "20", "30" } select (user, item),
        ("1", "40"), ("2", "40"), ("3", "40"),
    ];

    /// <summary>movies.csv with quoted titles holding commas and escaped quotes; item 40 has no entry.</summary>
    public const string MovieLensMovies =
        "movieId,title,genres\n" +
        "10,\"American President, The (1995)\",Comedy|Drama\n" +
        "20,\"Quote \"\"Test\"\", A (2000)\",Drama\n" +
        "30,Heat (1995),Action\n" +
        "99,Unloved (1999),Drama\n";

    public static string Write(string folder, string name, string text)
    {
        string path = Path.Combine(folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Settings small enough for the five-user fixtures: one validation and one test user.</summary>
    public static VaeConfig SmallConfig(DataConfig data, int seed = 7) =>
        new() { Seed = seed, Data = data with { HeldoutUsers = 1, MinItemsPerUser = 1 } };

    /// <summary>
    /// Prepares <paramref name="config"/> without the prepared data cache (unless <paramref name="cacheDirectory"/> names one);
    /// MovieLens sets must be on disk unless <paramref name="movieLens"/> says otherwise.
    /// </summary>
    public static PreparedDataset Load(VaeConfig config, MovieLensSource? movieLens = null, IProgress<string>? log = null, string? cacheDirectory = null) =>
        Prepare(config, movieLens, log, cacheDirectory).Dataset;

    public static DatasetPreparation Prepare(VaeConfig config, MovieLensSource? movieLens = null, IProgress<string>? log = null, string? cacheDirectory = null,
        bool force = false) =>
        new DatasetPreparer(movieLens ?? NoDownload(Path.Combine(Path.GetTempPath(), "vaetoolkit-tests", "no-download")), cacheDirectory)
            .Prepare(config, force, log, TestContext.Current.CancellationToken);

    /// <summary>A source that finds nothing in its (empty) cache and fails the test if it tries to download.</summary>
    public static MovieLensSource NoDownload(string root) =>
        new(Path.Combine(root, "cache"), environmentDirectory: null, FakeHttpHandler.Failing(new InvalidOperationException("the test must not download")));

    /// <summary>Every (user, item) pair in the prepared data: training rows plus held-out fold-in and targets.</summary>
    public static HashSet<(string User, string Item)> Pairs(PreparedDataset dataset)
    {
        var pairs = new HashSet<(string, string)>();
        void Add(string[] userIds, CsrMatrix matrix)
        {
            for (int u = 0; u < userIds.Length; u++)
                foreach (int item in matrix.Row(u))
                    Assert.True(pairs.Add((userIds[u], dataset.ItemIds[item])), $"pair ({userIds[u]}, {dataset.ItemIds[item]}) appears twice");
        }
        Add(dataset.TrainUserIds, dataset.Train);
        foreach (var heldOut in new[] { dataset.Validation, dataset.Test })
        {
            Add(heldOut.UserIds, heldOut.FoldIn);
            Add(heldOut.UserIds, heldOut.Targets);
        }
        return pairs;
    }

    public static string[] AllUserIds(PreparedDataset dataset) =>
        [.. dataset.TrainUserIds, .. dataset.Validation.UserIds, .. dataset.Test.UserIds];
}

namespace VaeToolkit.Tests;

/// <summary>Where the tests find the real data sets.</summary>
public static class TestData
{
    private static readonly Lazy<string> MovieLensSmall = new(() => FindSharedDataset("ml-latest-small"));

    /// <summary>The folder holding the real ml-latest-small <c>ratings.csv</c> and <c>movies.csv</c>.</summary>
    public static string MovieLensSmallDirectory => MovieLensSmall.Value;

    // The repository checkout sits beside shared/, so walk up from the test binaries.
    private static string FindSharedDataset(string name)
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            string candidate = Path.Combine(folder.FullName, "shared", "datasets", name);
            if (File.Exists(Path.Combine(candidate, "ratings.csv"))) return candidate;
        }
        throw new DirectoryNotFoundException(
            $"no shared/datasets/{name}/ratings.csv in any folder above {AppContext.BaseDirectory}; the real data sets must sit beside the checkout");
    }
}

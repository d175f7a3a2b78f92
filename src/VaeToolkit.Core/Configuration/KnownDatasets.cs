namespace VaeToolkit.Configuration;

/// <summary>The values <c>data.dataset</c> accepts.</summary>
public static class KnownDatasets
{
    public const string Synthetic = "synthetic";
    public const string MovieLensLatestSmall = "ml-latest-small";
    public const string MovieLens20M = "ml-20m";
    public const string File = "file";

    public static readonly string[] All = [Synthetic, MovieLensLatestSmall, MovieLens20M, File];

    /// <summary>The MovieLens sets, which can be downloaded from GroupLens.</summary>
    public static readonly string[] MovieLens = [MovieLensLatestSmall, MovieLens20M];
}

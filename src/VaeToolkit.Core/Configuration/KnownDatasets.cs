namespace VaeToolkit.Configuration;

/// <summary>The values <c>data.dataset</c> accepts, and what differs between them.</summary>
public static class KnownDatasets
{
    public const string Synthetic = "synthetic";
    public const string MovieLensLatestSmall = "ml-latest-small";
    public const string MovieLens20M = "ml-20m";

    /// <summary>ML-20M with each held-out user's latest items (by timestamp) as targets.</summary>
    public const string MovieLens20MAlternative = "ml-20m_alt";

    public const string MovieLens1M = "ml-1m";
    public const string MovieLens100K = "ml-100k";
    public const string Netflix = "netflix";
    public const string LastFm = "lastfm";
    public const string Pinterest = "pinterest";
    public const string File = "file";

    public static readonly string[] All =
    [
        Synthetic, MovieLensLatestSmall, MovieLens20M, MovieLens20MAlternative, MovieLens1M, MovieLens100K, Netflix, LastFm, Pinterest, File,
    ];

    /// <summary>The MovieLens sets, which can be downloaded from GroupLens.</summary>
    public static readonly string[] MovieLens = [MovieLensLatestSmall, MovieLens20M, MovieLens1M, MovieLens100K];

    /// <summary>The held-out users per part that <c>heldout_users: null</c> picks at most: 40,000 on Netflix as in the paper, else 10,000.</summary>
    public static int MaxAutomaticHeldoutUsers(string dataset) =>
        dataset == Netflix ? 40000 : DataConfig.MaxAutomaticHeldoutUsers;

    /// <summary>The split <c>target_split: null</c> picks: <c>latest</c> for ml-20m_alt, else <c>random</c>.</summary>
    public static string DefaultTargetSplit(string dataset) =>
        dataset == MovieLens20MAlternative ? TargetSplits.Latest : TargetSplits.Random;
}

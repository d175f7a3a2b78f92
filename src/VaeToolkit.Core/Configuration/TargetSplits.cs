namespace VaeToolkit.Configuration;

/// <summary>The values <c>data.target_split</c> accepts: how a held-out user's items become fold-in and targets.</summary>
public static class TargetSplits
{
    /// <summary>A seeded random <c>target_fraction</c> of the items are targets (Liang et al. 2018).</summary>
    public const string Random = "random";

    /// <summary>The latest <c>target_fraction</c> of the items by timestamp are targets; the earlier ones are fold-in.</summary>
    public const string Latest = "latest";

    public static readonly string[] All = [Random, Latest];
}

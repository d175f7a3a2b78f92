namespace VaeToolkit.Data.Splitting;

/// <summary>The settings that shape a split, resolved from the config and the data set's protocol.</summary>
/// <param name="HeldoutUsers">Users per held-out part, or null for min(<paramref name="MaxAutomaticHeldoutUsers"/>, users / 10).</param>
/// <param name="LatestTargets">Whether targets are each held-out user's latest items (by timestamp) rather than a seeded random pick.</param>
/// <param name="FilterText">How errors name the positive filter, such as "a rating above data.positive_threshold = 3.5".</param>
internal sealed record SplitSettings(int Seed, int MinItemsPerUser, int? HeldoutUsers, int MaxAutomaticHeldoutUsers, double TargetFraction, bool LatestTargets,
    string FilterText);

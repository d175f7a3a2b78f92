namespace VaeToolkit.Configuration;

/// <summary>
/// The built-in synthetic data set: power-law item popularity plus latent user tastes, so that a model
/// can learn what a popularity ranking cannot.
/// </summary>
public sealed record SyntheticDataConfig
{
    public int Users { get; init; } = 6000;

    public int Items { get; init; } = 1500;

    /// <summary>Number of latent taste groups that items and users belong to.</summary>
    public int Tastes { get; init; } = 12;

    /// <summary>Average number of interactions per user (counts follow a geometric-like spread, at least 5).</summary>
    public int MeanItemsPerUser { get; init; } = 30;

    /// <summary>Zipf exponent of item popularity.</summary>
    public double PopularityExponent { get; init; } = 0.8;

    /// <summary>Share of each user's interactions drawn from their tastes rather than from global popularity.</summary>
    public double TasteStrength { get; init; } = 0.8;
}

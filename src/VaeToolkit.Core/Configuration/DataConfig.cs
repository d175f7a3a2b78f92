namespace VaeToolkit.Configuration;

/// <summary>Where interactions come from and how they are turned into training and held-out users.</summary>
public sealed record DataConfig
{
    /// <summary><c>synthetic</c>, a named MovieLens set (<c>ml-latest-small</c>, <c>ml-20m</c>) or <c>file</c>.</summary>
    public string Dataset { get; init; } = "synthetic";

    /// <summary>Folder searched for named data sets before any download (then $VAETOOLKIT_DATA, then the user cache).</summary>
    public string? DataDir { get; init; }

    /// <summary>The interactions file when <see cref="Dataset"/> is <c>file</c>.</summary>
    public string? Path { get; init; }

    /// <summary>Column separator of a <c>file</c> data set; <c>\t</c> for tabs.</summary>
    public string Delimiter { get; init; } = ",";

    /// <summary>Whether the first line of a <c>file</c> data set names its columns.</summary>
    public bool Header { get; init; } = true;

    /// <summary>The user column: a header name, or a 0-based index when there is no header.</summary>
    public string UserColumn { get; init; } = "userId";

    /// <summary>The item column: a header name, or a 0-based index.</summary>
    public string ItemColumn { get; init; } = "movieId";

    /// <summary>The rating column, or null when every row is a positive interaction.</summary>
    public string? RatingColumn { get; init; } = "rating";

    /// <summary>Optional file of item names (<c>id,name,...</c> with a header, like MovieLens movies.csv).</summary>
    public string? ItemNames { get; init; }

    /// <summary>Interactions with a rating above this count as positives; null counts every interaction.</summary>
    public double? PositiveThreshold { get; init; } = 3.5;

    /// <summary>Users with fewer positives than this are dropped.</summary>
    public int MinItemsPerUser { get; init; } = 5;

    /// <summary>
    /// Users held out for validation, and as many again for test. Null picks
    /// min(<see cref="MaxAutomaticHeldoutUsers"/>, users / 10): 10,000 on ML-20M as in the paper.
    /// </summary>
    public int? HeldoutUsers { get; init; }

    public const int MaxAutomaticHeldoutUsers = 10000;

    /// <summary>Share of each held-out user's items kept as targets to predict (the rest is fold-in input).</summary>
    public double TargetFraction { get; init; } = 0.2;

    public SyntheticDataConfig Synthetic { get; init; } = new();
}

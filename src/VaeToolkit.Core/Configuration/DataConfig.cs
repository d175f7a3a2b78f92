namespace VaeToolkit.Configuration;

/// <summary>Where interactions come from and how they are turned into training and held-out users.</summary>
public sealed record DataConfig
{
    /// <summary>
    /// <c>synthetic</c>, a named data set (<see cref="KnownDatasets.All"/>: MovieLens, Netflix, Last.fm,
    /// Pinterest) or <c>file</c> (any delimited or Parquet file, read with the column settings below).
    /// </summary>
    public string Dataset { get; init; } = "synthetic";

    /// <summary>Folder searched for named data sets before any download (then $VAETOOLKIT_DATA, then the user cache).</summary>
    public string? DataDir { get; init; }

    /// <summary>
    /// The interactions file when <see cref="Dataset"/> is <c>file</c> (<c>.parquet</c> files are read as Parquet).
    /// For a named data set, its source file or folder; null looks for <c>&lt;name&gt;/</c> in <see cref="DataDir"/>,
    /// $VAETOOLKIT_DATA and the user cache (and downloads MovieLens sets).
    /// </summary>
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

    /// <summary>The timestamp column of a <c>file</c> data set (integer seconds or a date), or null; <c>target_split: latest</c> needs it.</summary>
    public string? TimestampColumn { get; init; }

    /// <summary>
    /// The text encoding of the interactions and item names files (<see cref="TextEncodings.Find"/>): <c>utf-8</c>,
    /// <c>latin-1</c>, ...; null is the data set's own (Latin-1 for ml-1m, ml-100k and netflix, else UTF-8).
    /// Ids that are not valid text in it are errors.
    /// </summary>
    public string? Encoding { get; init; }

    /// <summary>Optional file of item names (<c>id,name,...</c> with a header, like MovieLens movies.csv).</summary>
    public string? ItemNames { get; init; }

    /// <summary>Interactions with a rating above this count as positives; null counts every interaction.</summary>
    public double? PositiveThreshold { get; init; } = 3.5;

    /// <summary>Users with fewer positives than this are dropped.</summary>
    public int MinItemsPerUser { get; init; } = 5;

    /// <summary>
    /// Users held out for validation, and as many again for test. Null picks
    /// min(<see cref="MaxAutomaticHeldoutUsers"/>, users / 10): 10,000 on ML-20M as in the paper; on Netflix the
    /// cap is 40,000 (<see cref="KnownDatasets.MaxAutomaticHeldoutUsers"/>).
    /// </summary>
    public int? HeldoutUsers { get; init; }

    public const int MaxAutomaticHeldoutUsers = 10000;

    /// <summary>Share of each held-out user's items kept as targets to predict (the rest is fold-in input).</summary>
    public double TargetFraction { get; init; } = 0.2;

    /// <summary>
    /// How each held-out user's items are split (<see cref="TargetSplits"/>): <c>random</c> as in the paper, or
    /// <c>latest</c> (the latest <see cref="TargetFraction"/> by timestamp are targets). Null picks the data set's own
    /// protocol: <c>latest</c> for <c>ml-20m_alt</c>, else <c>random</c>.
    /// </summary>
    public string? TargetSplit { get; init; }

    /// <summary>Last.fm: a user-artist pair is a positive when the user played the artist at least this many times.</summary>
    public int MinPlays { get; init; } = 1;

    /// <summary>Last.fm: artists are keyed by MusicBrainz id (<c>mbid</c>; the name where the id is empty) or by <c>name</c>.</summary>
    public string ArtistKey { get; init; } = "mbid";

    public SyntheticDataConfig Synthetic { get; init; } = new();
}

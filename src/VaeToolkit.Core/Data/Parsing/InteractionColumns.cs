namespace VaeToolkit.Data.Parsing;

/// <summary>
/// Where the user and item ids are in an interactions file that is scored (not trained on): columns by
/// header name or 0-based index (the first two by default), and for text files the delimiter, which
/// defaults to a tab for <c>.tsv</c>/<c>.tab</c> files and a comma otherwise. Parquet is recognised by
/// its extension. Every other column is ignored; every row counts as an interaction.
/// </summary>
public sealed record InteractionColumns
{
    public string User { get; init; } = "0";

    public string Item { get; init; } = "1";

    /// <summary>The field separator of a text file; null chooses by extension.</summary>
    public string? Delimiter { get; init; }

    public static bool IsParquet(string path) => Path.GetExtension(path).Equals(".parquet", StringComparison.OrdinalIgnoreCase);

    public string DelimiterFor(string path) =>
        Delimiter ?? (Path.GetExtension(path).ToLowerInvariant() is ".tsv" or ".tab" ? "\t" : ",");
}

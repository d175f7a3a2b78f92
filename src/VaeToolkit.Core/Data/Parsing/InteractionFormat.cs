using System.Globalization;
using System.Text;

namespace VaeToolkit.Data.Parsing;

/// <summary>
/// How to read a delimited interactions file: the delimiter, whether a header names the columns, which
/// columns hold the user, the item, the rating and the time (by header name, or 0-based index without a
/// header), which rows are positives, and the text encoding.
/// </summary>
internal sealed record InteractionFormat
{
    /// <summary>The field separator: one character, or more (MovieLens 1M uses <c>::</c>).</summary>
    public required string Delimiter { get; init; }

    public required bool Header { get; init; }

    public required string UserColumn { get; init; }

    public required string ItemColumn { get; init; }

    /// <summary>Where the item id is read when <see cref="ItemColumn"/> is empty (Last.fm: the artist name for artists without an mbid).</summary>
    public string? ItemFallbackColumn { get; init; }

    /// <summary>The column compared with <see cref="PositiveAbove"/>, or null when every row is a positive.</summary>
    public string? RatingColumn { get; init; }

    public string? TimestampColumn { get; init; }

    /// <summary>Rows whose rating is above this are positives; null keeps every row.</summary>
    public double? PositiveAbove { get; init; }

    /// <summary>What the rating column holds, for error messages: <c>rating</c>, <c>play count</c>.</summary>
    public string RatingName { get; init; } = "rating";

    /// <summary>How errors name the positive filter: "a rating above data.positive_threshold = 3.5".</summary>
    public string FilterText { get; init; } = "";

    /// <summary>Whether fields may be quoted as in RFC 4180 (only with a one-character delimiter).</summary>
    public bool Quoted { get; init; } = true;

    /// <summary>The encoding of ids and names: UTF-8, or Latin-1 for the older MovieLens sets.</summary>
    public Encoding Encoding { get; init; } = Encoding.UTF8;

    /// <summary>The settings as text, for the data hash.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"delimiter={string.Join(",", Delimiter.Select(c => (int)c))}\nheader={Header}\nuser_column={UserColumn}\nitem_column={ItemColumn}\n" +
        $"item_fallback_column={ItemFallbackColumn ?? "(none)"}\nrating_column={RatingColumn ?? "(none)"}\ntimestamp_column={TimestampColumn ?? "(none)"}\n" +
        $"positive_above={PositiveAbove?.ToString("R", CultureInfo.InvariantCulture) ?? "(all)"}\nquoted={Quoted}\nencoding={Encoding.WebName}\n");
}

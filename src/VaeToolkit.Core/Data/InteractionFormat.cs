using VaeToolkit.Configuration;

namespace VaeToolkit.Data;

/// <summary>
/// How to read an interactions file: the delimiter, whether a header names the columns, and which
/// columns hold the user, the item and (optionally) the rating, by header name or 0-based index.
/// </summary>
internal sealed record InteractionFormat(char Delimiter, bool Header, string UserColumn, string ItemColumn, string? RatingColumn)
{
    /// <summary>MovieLens <c>ratings.csv</c>: <c>userId,movieId,rating,timestamp</c>.</summary>
    public static readonly InteractionFormat MovieLens = new(',', true, "userId", "movieId", "rating");

    public static InteractionFormat From(DataConfig data) =>
        new(data.Delimiter[0], data.Header, data.UserColumn, data.ItemColumn, data.RatingColumn);

    /// <summary>The settings as text, for the data hash.</summary>
    public string Describe() =>
        $"delimiter={(int)Delimiter}\nheader={Header}\nuser_column={UserColumn}\nitem_column={ItemColumn}\nrating_column={RatingColumn ?? "(none)"}\n";
}

namespace VaeToolkit.Inference;

/// <summary>
/// Each user's best items for a batch, best first, as item indices and their scores (the logits).
/// A user's own history is never among them: when k exceeds what is left to recommend, the list is
/// shorter.
/// </summary>
public sealed class TopKResult
{
    private readonly int[] items;
    private readonly float[] scores;

    /// <param name="items">[users, width] row-major, as the graph returns them.</param>
    /// <param name="scores">[users, width]; history items fill the tail of a row with -inf.</param>
    public TopKResult(int userCount, int width, int[] items, float[] scores)
    {
        if (items.Length != (long)userCount * width || scores.Length != items.Length)
            throw new ArgumentException($"expected {userCount}x{width} items and scores, got {items.Length} and {scores.Length}");
        UserCount = userCount;
        Width = width;
        this.items = items;
        this.scores = scores;
    }

    public int UserCount { get; }

    /// <summary>The list length asked of the model: k clamped to the number of items.</summary>
    public int Width { get; }

    public ReadOnlySpan<int> Items(int user) => items.AsSpan(user * Width, Length(user));

    public ReadOnlySpan<float> Scores(int user) => scores.AsSpan(user * Width, Length(user));

    /// <summary>How many of the user's entries are real recommendations (not -inf history items).</summary>
    public int Length(int user)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)user, (uint)UserCount, nameof(user));
        var row = scores.AsSpan(user * Width, Width);
        int masked = row.IndexOf(float.NegativeInfinity);
        return masked < 0 ? Width : masked;
    }
}

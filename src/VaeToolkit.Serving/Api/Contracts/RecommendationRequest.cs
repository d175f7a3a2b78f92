namespace VaeToolkit.Serving.Api.Contracts;

/// <summary>
/// <c>POST /v1/recommendations</c>: a known user by <see cref="UserId"/>, or a new user by the item ids
/// of a history (<see cref="Items"/>; empty gets the popularity ranking).
/// </summary>
public sealed record RecommendationRequest
{
    /// <summary>A user the model knows (its own history is used).</summary>
    public string? UserId { get; init; }

    /// <summary>A new user's history, by item id; unknown ids are ignored and listed in the answer.</summary>
    public IReadOnlyList<string>? Items { get; init; }

    /// <summary>How many items to return (default 10).</summary>
    public int? K { get; init; }

    /// <summary>Leave out the items of the history (default true).</summary>
    public bool? ExcludeSeen { get; init; }

    /// <summary>Recommend only among these item ids (unknown ids are ignored).</summary>
    public IReadOnlyList<string>? AllowItems { get; init; }

    /// <summary>Never recommend these item ids.</summary>
    public IReadOnlyList<string>? DenyItems { get; init; }
}

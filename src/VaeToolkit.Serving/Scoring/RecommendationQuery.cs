namespace VaeToolkit.Serving.Scoring;

/// <summary>A validated request for one user: a known <see cref="UserId"/> or a <see cref="History"/> of item ids.</summary>
public sealed record RecommendationQuery(
    string? UserId,
    IReadOnlyList<string>? History,
    int K,
    bool ExcludeSeen,
    IReadOnlyList<string>? AllowItems,
    IReadOnlyList<string>? DenyItems);

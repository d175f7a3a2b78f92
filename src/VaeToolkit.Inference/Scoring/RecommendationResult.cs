namespace VaeToolkit.Inference;

/// <summary>
/// The outcome for one user of a request: the recommendations, or an <see cref="Error"/> saying why
/// there are none (an unknown user id, a history with no known item). Item ids of a history that
/// the model does not know are listed in <see cref="UnknownItemIds"/> either way.
/// </summary>
public sealed record RecommendationResult(
    string UserId,
    IReadOnlyList<Recommendation> Recommendations,
    IReadOnlyList<string> UnknownItemIds,
    string? Error)
{
    public bool Succeeded => Error is null;

    public static RecommendationResult Failure(string userId, string error, IReadOnlyList<string>? unknownItemIds = null) =>
        new(userId, [], unknownItemIds ?? [], error);
}

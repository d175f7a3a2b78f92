namespace VaeToolkit.Serving.Api.Contracts;

/// <summary>The answer to one <see cref="RecommendationRequest"/>.</summary>
/// <param name="Source"><c>model</c>, or <c>popularity</c> when the history had no known item.</param>
/// <param name="UnknownItems">History item ids the model does not know (ignored).</param>
public sealed record RecommendationResponse(string? UserId, string ModelVersion, string Source, IReadOnlyList<RecommendedItem> Items, IReadOnlyList<string> UnknownItems)
{
    public const string FromModel = "model";

    public const string FromPopularity = "popularity";
}

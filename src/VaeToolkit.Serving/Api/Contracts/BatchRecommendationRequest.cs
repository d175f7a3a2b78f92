namespace VaeToolkit.Serving.Api.Contracts;

/// <summary><c>POST /v1/recommendations/batch</c>: many users in one request, scored together.</summary>
public sealed record BatchRecommendationRequest
{
    public IReadOnlyList<RecommendationRequest>? Requests { get; init; }
}

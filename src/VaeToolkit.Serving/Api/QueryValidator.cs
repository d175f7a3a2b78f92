using Microsoft.AspNetCore.Http.HttpResults;
using VaeToolkit.Serving.Api.Contracts;
using VaeToolkit.Serving.Scoring;

namespace VaeToolkit.Serving.Api;

/// <summary>Checks a <see cref="RecommendationRequest"/> and turns it into a <see cref="RecommendationQuery"/>, or a 400 naming the field.</summary>
public static class QueryValidator
{
    public const int DefaultK = 10;

    /// <param name="prefix">Where the request sits in the body (<c>$</c>, or <c>$.requests[3]</c> in a batch).</param>
    public static (RecommendationQuery? Query, ProblemHttpResult? Problem) Validate(RecommendationRequest request, int maxK, bool canIncludeSeen, string prefix = "$")
    {
        if (request.UserId is not null && request.Items is not null)
            return Fail($"{prefix}.user_id", "give either user_id (a known user) or items (a history), not both");
        if (request.UserId is null && request.Items is null)
            return Fail($"{prefix}.user_id", "give user_id (a known user) or items (a history of item ids; may be empty)");
        if (request.UserId is { Length: 0 })
            return Fail($"{prefix}.user_id", "user_id is empty");
        int k = request.K ?? DefaultK;
        if (k < 1 || k > maxK)
            return Fail($"{prefix}.k", $"k must be from 1 to {maxK}, not {k}");
        if (request.ExcludeSeen == false && !canIncludeSeen)
            return Fail($"{prefix}.exclude_seen", "the served model was exported before history items could be recommended; export it again to use exclude_seen: false");
        foreach (var (name, ids) in new[] { ("items", request.Items), ("allow_items", request.AllowItems), ("deny_items", request.DenyItems) })
        {
            if (ids is null) continue;
            for (int i = 0; i < ids.Count; i++)
                if (ids[i] is null) return Fail($"{prefix}.{name}[{i}]", $"{name}[{i}] is null; item ids are strings");
        }
        return (new RecommendationQuery(request.UserId, request.Items, k, request.ExcludeSeen ?? true, request.AllowItems, request.DenyItems), null);
    }

    private static (RecommendationQuery?, ProblemHttpResult?) Fail(string field, string detail) =>
        (null, Problems.BadRequest(field, $"{field}: {detail}"));
}

using VaeToolkit.Serving.Api.Contracts;
using VaeToolkit.Serving.Models;

namespace VaeToolkit.Serving.Scoring;

/// <summary>
/// Answers a <see cref="RecommendationQuery"/> on one model: resolves the user or the history to item
/// indices, has the <see cref="MicroBatcher"/> rank them (asking for enough items that the deny-list,
/// or for an allow-list the whole ranking, still leaves k), and filters. A history with no known item
/// gets the training popularity ranking, flagged as such.
/// </summary>
public static class QueryScorer
{
    /// <summary>The answer, or null when <see cref="RecommendationQuery.UserId"/> is not a known user.</summary>
    public static async Task<RecommendationResponse?> RecommendAsync(ServedModel model, RecommendationQuery query)
    {
        var bundle = model.Bundle;
        int[] history;
        IReadOnlyList<string> unknown = [];
        if (query.UserId is not null)
        {
            if (!bundle.TryGetUser(query.UserId, out int row)) return null;
            history = bundle.UserHistories.Row(row).ToArray();
        }
        else
        {
            (history, unknown) = bundle.Items.Resolve(query.History!);
        }

        HashSet<int>? allow = query.AllowItems is null ? null : [.. bundle.Items.Resolve(query.AllowItems).Known];
        HashSet<int>? deny = query.DenyItems is null ? null : [.. bundle.Items.Resolve(query.DenyItems).Known];
        var items = new List<RecommendedItem>(query.K);

        if (history.Length == 0)
        {
            foreach (int item in model.PopularityRanking)
            {
                if (items.Count == query.K) break;
                if (Allowed(item, allow, deny)) items.Add(Item(model, item, bundle.Items.Popularity[item]));
            }
            return new RecommendationResponse(query.UserId, model.Version, RecommendationResponse.FromPopularity, items, unknown);
        }

        int itemCount = bundle.Card.ItemCount;
        int asked = allow is not null ? itemCount : (int)Math.Min(itemCount, (long)query.K + (deny?.Count ?? 0));
        var ranked = await model.Batcher.ScoreAsync(history, asked, query.ExcludeSeen).ConfigureAwait(false);
        for (int r = 0; r < ranked.Items.Length && items.Count < query.K; r++)
        {
            int item = ranked.Items[r];
            if (Allowed(item, allow, deny)) items.Add(Item(model, item, ranked.Scores[r]));
        }
        return new RecommendationResponse(query.UserId, model.Version, RecommendationResponse.FromModel, items, unknown);
    }

    private static bool Allowed(int item, HashSet<int>? allow, HashSet<int>? deny) =>
        (allow is null || allow.Contains(item)) && (deny is null || !deny.Contains(item));

    private static RecommendedItem Item(ServedModel model, int item, float score) =>
        new(model.Bundle.Items.Ids[item], score, model.Bundle.Items.NameOf(item));
}

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
        List<string> unknown = [];
        if (query.UserId is not null)
        {
            if (!bundle.TryGetUser(query.UserId, out int row)) return null;
            history = bundle.UserHistories.Row(row).ToArray();
        }
        else
        {
            var known = new HashSet<int>();
            var seenUnknown = new HashSet<string>(StringComparer.Ordinal);
            foreach (string id in query.History!)
            {
                if (bundle.Items.TryGetIndex(id, out int index)) known.Add(index);
                else if (seenUnknown.Add(id)) unknown.Add(id);
            }
            history = [.. known];
        }

        HashSet<int>? allow = query.AllowItems is null ? null : Indices(model, query.AllowItems);
        HashSet<int>? deny = query.DenyItems is null ? null : Indices(model, query.DenyItems);
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

    /// <summary>The known ids' indices; ids the model does not know cannot be recommended and are skipped.</summary>
    private static HashSet<int> Indices(ServedModel model, IReadOnlyList<string> ids)
    {
        var indices = new HashSet<int>();
        foreach (string id in ids)
            if (model.Bundle.Items.TryGetIndex(id, out int index)) indices.Add(index);
        return indices;
    }
}

using VaeToolkit.Inference;

namespace VaeToolkit.PowerShell;

/// <summary>
/// One item similar to <see cref="QueryItemId"/>, as Get-VaeSimilarItem writes it: <see cref="Rank"/> counts from 1,
/// <see cref="Similarity"/> is the cosine of the items' vectors. <see cref="ItemId"/> is the similar item, so that
/// piping the output on binds it (to Get-VaeSimilarItem again, say).
/// </summary>
public sealed record VaeSimilarItem(string QueryItemId, int Rank, string ItemId, float Similarity, string? ItemName)
{
    internal static VaeSimilarItem From(string queryItemId, SimilarItem s) => new(queryItemId, s.Rank, s.ItemId, s.Similarity, s.Name);
}

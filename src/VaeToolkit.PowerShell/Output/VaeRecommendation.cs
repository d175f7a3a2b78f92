using VaeToolkit.Inference;

namespace VaeToolkit.PowerShell;

/// <summary>One recommended item, as Get-VaeRecommendation writes it: <see cref="Rank"/> counts from 1, <see cref="Score"/> is the model's logit.</summary>
public sealed record VaeRecommendation(string UserId, int Rank, string ItemId, float Score, string? ItemName)
{
    internal static VaeRecommendation From(Recommendation r) => new(r.UserId, r.Rank, r.ItemId, r.Score, r.ItemName);
}

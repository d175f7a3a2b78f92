namespace VaeToolkit.Inference;

/// <summary>One recommended item: <paramref name="Rank"/> counts from 1; <paramref name="Score"/> is the model's logit.</summary>
public sealed record Recommendation(string UserId, int Rank, string ItemId, float Score, string? ItemName);

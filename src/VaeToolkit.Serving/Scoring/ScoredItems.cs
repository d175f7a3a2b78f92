namespace VaeToolkit.Serving.Scoring;

/// <summary>One user's ranked item indices and their scores (logits), best first.</summary>
public sealed record ScoredItems(int[] Items, float[] Scores);

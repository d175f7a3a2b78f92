namespace VaeToolkit.Serving.Scoring;

/// <summary>One user waiting in the <see cref="MicroBatcher"/>: the history to score and where the answer goes.</summary>
internal sealed class ScoringJob(int[] history, int k, bool excludeSeen)
{
    /// <summary>Distinct item indices.</summary>
    public int[] History { get; } = history;

    /// <summary>How many items to rank (already clamped to the model's items).</summary>
    public int K { get; } = k;

    public bool ExcludeSeen { get; } = excludeSeen;

    public TaskCompletionSource<ScoredItems> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

namespace VaeToolkit.Orchestration.Runs;

/// <summary>
/// Runs to compare were trained on different data or splits (data set, data hash, item or user counts),
/// so their test scores are not on the same test users. <see cref="Groups"/> lists the runs of each data.
/// </summary>
public sealed class RunsNotComparableException(string message, IReadOnlyList<IReadOnlyList<string>> groups) : InvalidOperationException(message)
{
    /// <summary>The runs' paths, grouped by the data they were trained on, largest group first.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Groups { get; } = groups;
}

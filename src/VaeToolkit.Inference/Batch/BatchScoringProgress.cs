namespace VaeToolkit.Inference.Batch;

/// <summary>Where a batch job is: <c>reading</c> (grouping the input) or <c>scoring</c>, and how fast it goes.</summary>
/// <param name="Fraction">Of the phase, from 0 to 1: bytes read, then rows scored.</param>
/// <param name="Remaining">Of the scoring, estimated from its pace so far; null while reading.</param>
public sealed record BatchScoringProgress(string Phase, double Fraction, long UsersDone, double UsersPerSecond, TimeSpan? Remaining)
{
    public override string ToString() => Phase == "reading"
        ? $"reading {Fraction:P0}"
        : $"scoring {Fraction:P0}: {UsersDone:N0} users, {UsersPerSecond:N0} users/s{(Remaining is { } left ? $", {left:hh\\:mm\\:ss} left" : "")}";
}

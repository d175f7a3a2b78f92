namespace VaeToolkit.Inference;

/// <summary>
/// A baseline model's ranking quality on the same test users as the model it stands beside (fitted on the same
/// training users), so that a report shows whether the model earns its cost.
/// </summary>
/// <param name="Model">The baseline's model type, such as <c>ease</c>.</param>
public sealed record BaselineReport(string Model, int Users, double NdcgAt100, double RecallAt20, double RecallAt50)
{
    /// <summary>The settings it was fitted with, by name (EASE: the λ picked on validation users).</summary>
    public IReadOnlyDictionary<string, double>? Settings { get; init; }

    /// <summary>The selected metrics by name, in the order selected, as <see cref="EvaluationReport.Metrics"/>.</summary>
    public IReadOnlyDictionary<string, double>? Metrics { get; init; }

    /// <summary>Seconds it took to fit and score.</summary>
    public double Seconds { get; init; }

    // Dictionaries compared by value, as in EvaluationReport.
    public bool Equals(BaselineReport? other) =>
        other is not null && Model == other.Model && Users == other.Users && NdcgAt100.Equals(other.NdcgAt100)
        && RecallAt20.Equals(other.RecallAt20) && RecallAt50.Equals(other.RecallAt50) && Seconds.Equals(other.Seconds)
        && ReportEquality.SameValues(Settings, other.Settings) && ReportEquality.SameValues(Metrics, other.Metrics);

    public override int GetHashCode() => HashCode.Combine(Model, Users, NdcgAt100, RecallAt20, RecallAt50);
}

namespace VaeToolkit.Inference;

/// <summary>Value equality for the reports' dictionaries (a record compares them by reference): the same names, in order, and values.</summary>
internal static class ReportEquality
{
    public static bool SameValues(IReadOnlyDictionary<string, double>? a, IReadOnlyDictionary<string, double>? b) =>
        ReferenceEquals(a, b) || (a is not null && b is not null && a.SequenceEqual(b));
}

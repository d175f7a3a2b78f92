namespace VaeToolkit.Inference;

/// <summary>What <see cref="RecommendationService.RecommendFile"/> read and wrote.</summary>
/// <param name="Users">Distinct users in the interactions file.</param>
/// <param name="UsersWritten">Users that got recommendations.</param>
/// <param name="Rows">Recommendation rows written.</param>
/// <param name="UnknownInteractions">Interactions whose item the model does not know (left out of the histories).</param>
/// <param name="SkippedUsers">Users none of whose items the model knows: they got no recommendations.</param>
public sealed record RecommendationFileSummary(
    string OutputPath,
    int Users,
    int UsersWritten,
    long Rows,
    long UnknownInteractions,
    IReadOnlyList<string> SkippedUsers);

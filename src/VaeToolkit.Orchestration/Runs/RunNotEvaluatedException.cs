namespace VaeToolkit.Orchestration.Runs;

/// <summary>A run to compare has no test evaluation in its manifest: it failed, was stopped, or is still training.</summary>
public sealed class RunNotEvaluatedException(string directory, string status, string? error)
    : InvalidOperationException($"run '{directory}' has no test evaluation: {Explain(status, error)}")
{
    public string Directory { get; } = directory;

    public string Status { get; } = status;

    private static string Explain(string status, string? error) => status switch
    {
        RunStatus.Failed => $"it failed ({error ?? "no reason recorded"})",
        RunStatus.Interrupted => error is null ? "it was stopped before it finished (resume it with -Resume / --resume)" : $"it was interrupted ({error})",
        RunStatus.Running => "it is still training",
        _ => $"its status is {status}",
    };
}

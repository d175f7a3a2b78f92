namespace VaeToolkit.Orchestration.Sweeps;

/// <summary>What a sweep did with a trial.</summary>
public static class SweepTrialStatus
{
    /// <summary>Trained from the start.</summary>
    public const string Trained = "trained";

    /// <summary>Continued from the checkpoint an interrupted (or failed) earlier sweep left.</summary>
    public const string Resumed = "resumed";

    /// <summary>Already completed by an earlier sweep: read from its manifest, not trained again.</summary>
    public const string Skipped = "skipped";

    /// <summary>Its training failed; the error says why, and the next sweep resumes it.</summary>
    public const string Failed = "failed";

    /// <summary>Stopped midway by a cancellation; the next sweep resumes it from its checkpoint.</summary>
    public const string Interrupted = "interrupted";

    /// <summary>Not started: the sweep was cancelled first.</summary>
    public const string NotRun = "not run";
}

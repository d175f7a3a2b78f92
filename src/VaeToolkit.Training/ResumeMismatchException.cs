namespace VaeToolkit.Training;

/// <summary>
/// A checkpoint cannot be resumed with these settings or this data. Thrown before anything is loaded or
/// written, so the run it belongs to stays exactly as it was.
/// </summary>
public sealed class ResumeMismatchException(string checkpoint, string reason)
    : InvalidOperationException($"cannot resume from {checkpoint}: {reason}")
{
    public string Checkpoint { get; } = checkpoint;
}

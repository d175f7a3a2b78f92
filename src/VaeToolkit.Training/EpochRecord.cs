namespace VaeToolkit.Training;

/// <summary>What happened in one epoch: mean batch loss, timings, and the validation score when validated.</summary>
public sealed record EpochRecord(
    int Epoch,
    double Loss,
    double KlWeight,
    double TrainSeconds,
    int TrainUsers,
    double? ValidationNdcgAt100,
    double? ValidationSeconds,
    int ValidationUsers)
{
    /// <summary>
    /// Seconds the host took to issue the epoch's training work. On a GPU the device runs behind the
    /// host, so a figure close to <see cref="TrainSeconds"/> means the host, not the device, sets the pace.
    /// </summary>
    public double? IssueSeconds { get; init; }

    /// <summary>
    /// The epoch's training time by phase of a step (batch, upload, encode, decode, likelihood, backward,
    /// update): host time on the CPU, device time on CUDA (see <see cref="PhaseTimer"/>).
    /// </summary>
    public IReadOnlyDictionary<string, double>? PhaseSeconds { get; init; }

    /// <summary>The validation's time by phase (batch, forward, top-k, metrics), when the epoch validated.</summary>
    public IReadOnlyDictionary<string, double>? ValidationPhaseSeconds { get; init; }

    /// <summary>The settings this step tried, by name, for a model that searches them instead of training by epochs (EASE: <c>lambda</c>).</summary>
    public IReadOnlyDictionary<string, double>? Settings { get; init; }

    /// <summary>fp16: the loss scale at the end of the epoch.</summary>
    public double? LossScale { get; init; }

    /// <summary>fp16: steps skipped so far because their gradients overflowed.</summary>
    public long? SkippedSteps { get; init; }

    public double TrainUsersPerSecond => TrainSeconds > 0 ? TrainUsers / TrainSeconds : 0;
}

using VaeToolkit.Inference;
using VaeToolkit.Training;

namespace VaeToolkit.Orchestration.Runs;

/// <summary>A finished run: where it lives, how training went and how the exported model scored.</summary>
public sealed record TrainingRunResult(
    string RunPath,
    string ModelPath,
    string Dataset,
    int Epochs,
    int BestEpoch,
    double BestValidationNdcgAt100,
    EvaluationReport Test,
    TimeSpan Duration)
{
    /// <summary>Why training ended: <c>completed</c> or <c>early_stopping</c> (<see cref="TrainingStop"/>).</summary>
    public string StopReason { get; init; } = TrainingStop.Completed;

    /// <summary>The same as a sentence, naming the last epoch (and for early stopping the patience and the epoch kept).</summary>
    public string StopDescription { get; init; } = "";
}

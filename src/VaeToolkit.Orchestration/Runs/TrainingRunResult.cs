using VaeToolkit.Inference;

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
    TimeSpan Duration);

using VaeToolkit.Inference.Batch;
using VaeToolkit.Training;

namespace VaeToolkit.Cli.Progress;

/// <summary>
/// Where a verb reports its progress: lines on standard error (<see cref="LineProgress"/>, for logs and
/// redirected output) or progress bars on a terminal (<see cref="LiveProgress"/>).
/// </summary>
internal interface IVerbProgress
{
    /// <summary>Training's batches and epochs (loss, validation NDCG@100).</summary>
    IProgress<TrainingProgress> Training();

    /// <summary>A batch job's reading and scoring (users done, users/s, time left).</summary>
    IProgress<BatchScoringProgress> BatchScoring();

    /// <summary>Users scored so far, out of <paramref name="total"/>.</summary>
    IProgress<int> Users(string description, int total);

    /// <summary>Messages of a step-by-step job (data preparation): one line each.</summary>
    IProgress<string> Log();

    /// <summary>A step without a measure of its own (fitting a baseline), until disposed.</summary>
    IDisposable Phase(string description);
}

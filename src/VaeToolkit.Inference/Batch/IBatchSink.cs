using VaeToolkit.Data;

namespace VaeToolkit.Inference.Batch;

/// <summary>
/// What a batch job does with each batch of grouped users, in two steps that run on different threads
/// (the next batch is scored while this one is written): score them, then write the results.
/// </summary>
internal interface IBatchSink<TScores> : IDisposable
{
    TScores Score(CsrMatrix histories);

    /// <summary>Writes the results of <paramref name="userIds"/> (row i of the scored batch is user i); returns the rows written.</summary>
    long Write(IReadOnlyList<string> userIds, TScores scores);

    /// <summary>Writes what is still buffered (the last Parquet row group, the CSV buffer).</summary>
    void Complete();
}

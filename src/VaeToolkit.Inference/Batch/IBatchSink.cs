using VaeToolkit.Data;

namespace VaeToolkit.Inference.Batch;

/// <summary>What a batch job does with each batch of grouped users: score them and write the results.</summary>
internal interface IBatchSink : IDisposable
{
    /// <summary>Scores <paramref name="histories"/> (row i is <paramref name="userIds"/>[i]) and writes the results; returns the rows written.</summary>
    long Write(IReadOnlyList<string> userIds, CsrMatrix histories);

    /// <summary>Writes what is still buffered (the last Parquet row group, the CSV buffer).</summary>
    void Complete();
}

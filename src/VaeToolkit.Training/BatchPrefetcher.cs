using System.Collections.Concurrent;
using VaeToolkit.Data;
using VaeToolkit.Training.Model;

namespace VaeToolkit.Training;

/// <summary>
/// Builds the host arrays of the coming batches on a background thread, a couple of batches ahead,
/// so that the device never waits for the host. Each batch arrives split into one list of passes per
/// replica (a replica's shard, cut into passes that fit its memory).
/// </summary>
internal sealed class BatchPrefetcher : IDisposable
{
    private const int BatchesAhead = 2;

    private readonly BlockingCollection<HostBatch[][]> _ready = new(BatchesAhead);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _producer;

    public BatchPrefetcher(CsrMatrix matrix, int[] order, int batchSize, int replicas, int? maxUsersPerPass)
    {
        _producer = Task.Run(() =>
        {
            try
            {
                for (int start = 0; start < order.Length; start += batchSize)
                {
                    int size = Math.Min(batchSize, order.Length - start);
                    var shards = new HostBatch[replicas][];
                    for (int r = 0; r < replicas; r++)
                    {
                        // Replica r takes the r-th contiguous shard of the batch.
                        int shardStart = start + (int)((long)size * r / replicas);
                        int shardEnd = start + (int)((long)size * (r + 1) / replicas);
                        int pass = Math.Max(1, maxUsersPerPass ?? shardEnd - shardStart);
                        var passes = new List<HostBatch>();
                        for (int at = shardStart; at < shardEnd; at += pass)
                            passes.Add(HostBatch.Build(matrix, order.AsSpan(at, Math.Min(pass, shardEnd - at))));
                        shards[r] = [.. passes];
                    }
                    _ready.Add(shards, _stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
                // Disposed before the epoch ended.
            }
            finally
            {
                _ready.CompleteAdding();
            }
        });
    }

    /// <summary>The next batch: for each replica, its passes.</summary>
    public HostBatch[][] Next() => _ready.Take();

    public void Dispose()
    {
        _stop.Cancel();
        try { _producer.Wait(); } catch (AggregateException) { }
        _ready.Dispose();
        _stop.Dispose();
    }
}

using VaeToolkit.Inference;
using VaeToolkit.Runs;
using VaeToolkit.Serving.Hosting;
using VaeToolkit.Serving.Scoring;

namespace VaeToolkit.Serving.Models;

/// <summary>
/// One loaded model version: its bundle (items, known users), its ONNX Runtime sessions behind a
/// <see cref="MicroBatcher"/>, and the popularity ranking for users with no known item. Requests hold
/// a lease (<see cref="TryAcquire"/>, <see cref="Release"/>) for as long as they use it; once the model
/// is retired (a newer one was swapped in) it is disposed when the last lease is released, so
/// in-flight requests finish on the version they started on.
/// </summary>
public sealed class ServedModel : IDisposable
{
    private readonly OnnxRecommender recommender;
    private readonly Lazy<ItemSimilarity> similarity;
    private int leases = 1; // the holder's own lease, given up by Retire
    private int disposed;

    private ServedModel(ModelBundle bundle, OnnxRecommender recommender, ServerOptions options, Action<int>? onBatch, ModelIdentity identity)
    {
        Bundle = bundle;
        this.recommender = recommender;
        Identity = identity;
        Batcher = new MicroBatcher(recommender, bundle.Card.ItemCount, options.MaxBatchUsers, options.MaxBatchWait, onBatch);
        PopularityRanking = bundle.Items.RankByPopularity();
        similarity = new Lazy<ItemSimilarity>(() => ItemSimilarity.Open(bundle), LazyThreadSafetyMode.ExecutionAndPublication);
        Version = VersionOf(bundle.Directory);
        HasItemEmbeddings = File.Exists(Path.Combine(bundle.Directory, ModelFiles.ItemEmbeddings));
    }

    public ModelBundle Bundle { get; }

    /// <summary>The version folder's name (a run's name for a run's model folder).</summary>
    public string Version { get; }

    /// <summary>What was opened, to tell whether the model path now names something else.</summary>
    public ModelIdentity Identity { get; }

    internal MicroBatcher Batcher { get; }

    /// <summary>Item indices, most popular in training first.</summary>
    public int[] PopularityRanking { get; }

    public DateTime LoadedUtc { get; } = DateTime.UtcNow;

    /// <summary>Whether the model folder holds item vectors for <see cref="Similarity"/> (models exported before it existed do not).</summary>
    public bool HasItemEmbeddings { get; }

    public bool CanIncludeSeen => recommender.CanIncludeSeen;

    /// <summary>Item-to-item neighbours; the embeddings are read on first use.</summary>
    public ItemSimilarity Similarity => similarity.Value;

    /// <summary>Opens a model and scores one request through the batcher, so that a model ONNX Runtime cannot run is refused before it serves.</summary>
    internal static ServedModel Load(string path, ServerOptions options, Action<int>? onBatch)
    {
        var identity = ModelIdentity.Of(path);
        var bundle = ModelBundle.Open(path);
        var recommender = OnnxRecommender.Open(bundle.Directory, options.Device, options.Threads, options.SpinWait);
        var model = new ServedModel(bundle, recommender, options, onBatch, identity);
        try
        {
            int[] warmUp = bundle.UserHistories.RowCount > 0 ? bundle.UserHistories.Row(0).ToArray() : [model.PopularityRanking[0]];
            model.Batcher.ScoreAsync(warmUp, Math.Min(options.MaxK, bundle.Card.ItemCount), excludeSeen: true).GetAwaiter().GetResult();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>A lease on this model, or false when it has been retired and is going away.</summary>
    public bool TryAcquire()
    {
        int current = Volatile.Read(ref leases);
        while (current > 0)
        {
            int seen = Interlocked.CompareExchange(ref leases, current + 1, current);
            if (seen == current) return true;
            current = seen;
        }
        return false;
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref leases) == 0) Dispose();
    }

    /// <summary>Gives up the holder's lease: the model goes once the requests using it are answered.</summary>
    internal void Retire() => Release();

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1) return;
        Batcher.Dispose();
        recommender.Dispose();
    }

    private static string VersionOf(string directory)
    {
        var folder = new DirectoryInfo(directory);
        return folder.Name == RunFiles.ModelFolder && folder.Parent is { } run ? run.Name : folder.Name;
    }
}

using System.Globalization;
using VaeToolkit.Data;
using VaeToolkit.Inference.Batch;
using VaeToolkit.Runs;

namespace VaeToolkit.Inference;

/// <summary>
/// Recommendations in original ids from a model directory: for its known users, for an ad-hoc
/// history, or for every user of an interactions file. A user's own items are never recommended.
/// Thread-safe: one instance may serve many requests at once (it only reads its bundle, and
/// <see cref="OnnxRecommender"/> keeps no buffers between calls).
/// </summary>
public sealed class RecommendationService : IDisposable
{
    private readonly OnnxRecommender recommender;

    private RecommendationService(ModelBundle bundle, OnnxRecommender recommender, int batchSize)
    {
        Bundle = bundle;
        this.recommender = recommender;
        BatchSize = batchSize;
    }

    /// <summary>
    /// Users per ONNX Runtime call by default on the CPU (on CUDA, <see cref="ScoringBatchSize.For"/> sizes it for the GPU).
    /// ONNX Runtime's buffers grow with the batch: at ML-20M's shape a batch job peaked at 0.9 GB with 500 users
    /// and 1.4 GB with 1000, at the same speed.
    /// </summary>
    public const int DefaultBatchSize = 500;

    public ModelBundle Bundle { get; }

    /// <summary>Users scored per ONNX Runtime call.</summary>
    public int BatchSize { get; }

    /// <summary>Opens a model directory (or a run directory's model) on <paramref name="device"/> (see <see cref="OnnxRecommender.Open"/>).</summary>
    /// <param name="batchSize">Users per call; null: <see cref="DefaultBatchSize"/> on the CPU, a GPU-sized batch on CUDA.</param>
    /// <param name="forBatchJobs">
    /// For <see cref="RecommendFile"/> and <see cref="EmbedFile"/>: ONNX Runtime's threads sleep between operators
    /// rather than spin, leaving the cores to the job's reader and writer (see <see cref="OnnxRecommender.Open"/>).
    /// </param>
    public static RecommendationService Open(string path, string device = "cpu", int? batchSize = null, bool forBatchJobs = false)
    {
        if (batchSize is int given) ArgumentOutOfRangeException.ThrowIfLessThan(given, 1);
        var bundle = ModelBundle.Open(path);
        int size = batchSize ?? ScoringBatchSize.For(device, bundle.Card.ItemCount, DefaultBatchSize);
        return new RecommendationService(bundle, OnnxRecommender.Open(bundle.Directory, device, spinWait: !forBatchJobs), size);
    }

    /// <summary>
    /// The top <paramref name="k"/> for each known user, from the history stored with the model, in
    /// request order. An unknown id gets a failed result; the other users are still served.
    /// </summary>
    /// <param name="excludeSeen">False to rank the users' own items too (see <see cref="OnnxRecommender.Recommend"/>).</param>
    public IReadOnlyList<RecommendationResult> RecommendForUsers(IEnumerable<string> userIds, int k, CancellationToken cancellationToken = default, bool excludeSeen = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (!excludeSeen) EnsureCanIncludeSeen();
        string[] ids = [.. userIds];
        var results = new RecommendationResult[ids.Length];
        var positions = new List<int>();
        var rows = new List<int>();
        for (int i = 0; i < ids.Length; i++)
        {
            if (Bundle.TryGetUser(ids[i], out int row))
            {
                positions.Add(i);
                rows.Add(row);
            }
            else
            {
                results[i] = RecommendationResult.Failure(ids[i], $"user '{ids[i]}' is not a known user of the model in '{Bundle.Directory}'");
            }
        }

        for (int start = 0; start < rows.Count; start += BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(BatchSize, rows.Count - start);
            var top = recommender.Recommend(Bundle.UserHistories.SelectRows(rows.GetRange(start, count).ToArray()), k, excludeSeen);
            for (int j = 0; j < count; j++)
            {
                string id = ids[positions[start + j]];
                results[positions[start + j]] = new RecommendationResult(id, ToRecommendations(id, top, j), [], null);
            }
        }
        return results;
    }

    /// <summary>
    /// The top <paramref name="k"/> for a history given as original item ids. Unknown ids are listed in
    /// the result; when no id is known the result is a failure rather than a guess from nothing.
    /// </summary>
    /// <param name="excludeSeen">False to rank the history's own items too (see <see cref="OnnxRecommender.Recommend"/>).</param>
    public RecommendationResult RecommendForHistory(IEnumerable<string> itemIds, int k, string userId = "", bool excludeSeen = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (!excludeSeen) EnsureCanIncludeSeen();
        var (items, unknown) = Bundle.Items.Resolve(itemIds);
        if (items.Length == 0)
        {
            string error = unknown.Length == 0 ? "the history is empty" : $"none of the {unknown.Length} item ids of the history is known to the model";
            return RecommendationResult.Failure(userId, error, unknown);
        }
        var top = recommender.Recommend(CsrMatrix.FromRows([items], Bundle.Items.Count), k, excludeSeen);
        return new RecommendationResult(userId, ToRecommendations(userId, top, 0), unknown, null);
    }

    /// <summary>
    /// Recommends for every user of an interactions file (CSV/TSV or Parquet, users' rows in any order, any
    /// size) and writes <c>user_id, rank, item_id, score, item_name</c> rows as CSV or Parquet: see
    /// <see cref="BatchJob"/>. Users with no known item are skipped and counted in the summary.
    /// </summary>
    public BatchScoringSummary RecommendFile(BatchJobOptions options, int k, IProgress<BatchScoringProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        return BatchJob.Run(Bundle, "recommendations", string.Create(CultureInfo.InvariantCulture, $"top={k}"), options, BatchSize,
            (stream, format) => new RecommendationSink(recommender, Bundle.Items, k, stream, format), progress, cancellationToken);
    }

    /// <summary>
    /// Writes the latent mean of every user of an interactions file (<c>user_id, mu_0 .. mu_{d-1}</c>), streamed as
    /// <see cref="RecommendFile"/> streams.
    /// </summary>
    public BatchScoringSummary EmbedFile(BatchJobOptions options, IProgress<BatchScoringProgress>? progress = null, CancellationToken cancellationToken = default) =>
        BatchJob.Run(Bundle, "embeddings", "", options, BatchSize, (stream, format) => new EmbeddingSink(recommender, stream, format), progress, cancellationToken);

    public void Dispose() => recommender.Dispose();

    /// <summary>Whether the model can rank users' own items too (see <see cref="OnnxRecommender.CanIncludeSeen"/>).</summary>
    public bool CanIncludeSeen => recommender.CanIncludeSeen;

    /// <summary>
    /// Throws <see cref="NotSupportedException"/>, naming the model directory, where the model cannot rank users' own
    /// items: called before any id is looked up, so that an old model refuses a whole request rather than each user of it.
    /// </summary>
    public void EnsureCanIncludeSeen()
    {
        if (!recommender.CanIncludeSeen) throw recommender.IncludeSeenNotSupported();
    }

    private Recommendation[] ToRecommendations(string userId, TopKResult top, int row)
    {
        var items = top.Items(row);
        var scores = top.Scores(row);
        var recommendations = new Recommendation[items.Length];
        for (int r = 0; r < items.Length; r++)
            recommendations[r] = new Recommendation(userId, r + 1, Bundle.Items.Ids[items[r]], scores[r], Bundle.Items.NameOf(items[r]));
        return recommendations;
    }
}

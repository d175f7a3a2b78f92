using System.Numerics.Tensors;
using VaeToolkit.Runs;

namespace VaeToolkit.Inference;

/// <summary>
/// Items like a given item: the cosine similarity of the items' vectors (<see cref="ModelFiles.ItemEmbeddings"/>,
/// the decoder's output weights), loaded and L2-normalised once. A query is one pass of dot products over
/// every item and a partial top-k. Thread-safe: queries only read.
/// </summary>
public sealed class ItemSimilarity
{
    /// <summary>Orders the worse first: a lower score, or the same score and a higher item index.</summary>
    private static readonly Comparer<(float Score, int Item)> WorstFirst = Comparer<(float Score, int Item)>.Create(
        static (a, b) => a.Score != b.Score ? a.Score.CompareTo(b.Score) : b.Item.CompareTo(a.Item));

    // Row-major [items, dimensions], each row of length 1 (or all zero: a zero vector is similar to nothing).
    private readonly float[] unitVectors;

    private ItemSimilarity(ModelBundle bundle, ItemEmbeddings embeddings)
    {
        Bundle = bundle;
        Dimensions = embeddings.Dimensions;
        unitVectors = embeddings.Values.ToArray();
        for (int i = 0; i < embeddings.Count; i++)
        {
            Span<float> row = unitVectors.AsSpan(i * Dimensions, Dimensions);
            float norm = TensorPrimitives.Norm(row);
            if (norm > 0) TensorPrimitives.Divide(row, norm, row);
        }
    }

    public ModelBundle Bundle { get; }

    public int ItemCount => Bundle.Items.Count;

    /// <summary>The length of each item's vector.</summary>
    public int Dimensions { get; }

    /// <summary>Opens a model directory (or a run directory's model): see <see cref="Open(ModelBundle)"/>.</summary>
    public static ItemSimilarity Open(string path) => Open(ModelBundle.Open(path));

    /// <summary>
    /// Loads the item vectors of an opened model. A model without <see cref="ModelFiles.ItemEmbeddings"/> (exported
    /// before item similarity existed), or whose file cannot be read or has another item count than the card,
    /// is a <see cref="ModelBundleException"/> naming the file.
    /// </summary>
    public static ItemSimilarity Open(ModelBundle bundle)
    {
        string directory = bundle.Directory;
        string file = ModelFiles.ItemEmbeddings;
        string path = Path.Combine(directory, file);
        if (!File.Exists(path))
        {
            throw new ModelBundleException(directory,
                $"'{directory}' has no {file}: the model was exported before item similarity existed; export or train it again", [file]);
        }
        ItemEmbeddings embeddings;
        try
        {
            embeddings = ItemEmbeddings.Load(path);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new ModelBundleException(directory, $"'{directory}': cannot read {file}: {e.Message}", inner: e);
        }
        if (embeddings.Count != bundle.Card.ItemCount)
        {
            throw new ModelBundleException(directory,
                $"'{directory}': {file} holds {embeddings.Count} items but {ModelFiles.Card} says {bundle.Card.ItemCount}");
        }
        return new ItemSimilarity(bundle, embeddings);
    }

    /// <summary>
    /// The <paramref name="k"/> items (at most all the others) most similar to <paramref name="itemId"/>, best first,
    /// the item itself left out; equal similarities in item index order. An id the model does not know is an
    /// <see cref="UnknownItemException"/>.
    /// </summary>
    public IReadOnlyList<SimilarItem> Similar(string itemId, int k)
    {
        ArgumentNullException.ThrowIfNull(itemId);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (!Bundle.Items.TryGetIndex(itemId, out int query)) throw new UnknownItemException(itemId, Bundle.Directory);

        int items = ItemCount;
        k = Math.Min(k, items - 1);
        if (k == 0) return [];
        ReadOnlySpan<float> vectors = unitVectors;
        ReadOnlySpan<float> target = vectors.Slice(query * Dimensions, Dimensions);

        // The best k so far, the worst of them at the root: n log k, not a sort of every item. A later item never
        // displaces an equal score, so lower indices win ties.
        var best = new PriorityQueue<int, (float Score, int Item)>(k + 1, WorstFirst);
        for (int item = 0; item < items; item++)
        {
            if (item == query) continue;
            float score = TensorPrimitives.Dot(target, vectors.Slice(item * Dimensions, Dimensions));
            if (best.Count < k) best.Enqueue(item, (score, item));
            else best.EnqueueDequeue(item, (score, item));
        }

        var result = new SimilarItem[best.Count];
        for (int r = result.Length - 1; r >= 0; r--)
        {
            best.TryDequeue(out int item, out var priority);
            result[r] = new SimilarItem(Bundle.Items.Ids[item], r + 1, priority.Score, Bundle.Items.NameOf(item));
        }
        return result;
    }

    /// <summary>
    /// <see cref="Similar"/> for each of <paramref name="itemIds"/>, in request order. An unknown id gets a failed
    /// result; the others are still answered.
    /// </summary>
    public IReadOnlyList<SimilarItemsResult> SimilarForItems(IEnumerable<string> itemIds, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var results = new List<SimilarItemsResult>();
        foreach (string id in itemIds)
        {
            try
            {
                results.Add(new SimilarItemsResult(id, Similar(id, k), null));
            }
            catch (UnknownItemException e)
            {
                results.Add(SimilarItemsResult.Failure(id, e.Message));
            }
        }
        return results;
    }

}

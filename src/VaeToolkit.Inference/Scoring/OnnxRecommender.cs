using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using VaeToolkit.Data;
using VaeToolkit.Runs;

namespace VaeToolkit.Inference;

/// <summary>
/// Serves the ONNX graphs of a model directory with ONNX Runtime: top-k recommendations
/// (<see cref="ModelFiles.Recommender"/>, every model has it) and latent means (<see cref="ModelFiles.Encoder"/>,
/// models with a latent space only), each from a batch of sparse histories. Owns one <see cref="InferenceSession"/> per graph.
/// Thread-safe: ONNX Runtime sessions may run concurrently.
/// </summary>
public sealed class OnnxRecommender : IDisposable
{
    internal const string ItemIndicesInput = "item_indices";
    internal const string UserOffsetsInput = "user_offsets";
    internal const string KInput = "k";
    internal const string ExcludeSeenInput = "exclude_seen";
    internal const string TopItemsOutput = "top_items";
    internal const string TopScoresOutput = "top_scores";

    private readonly InferenceSession recommender;
    private readonly InferenceSession? encoder;
    private readonly IoBindingRunner? ioBindingRunner;

    private OnnxRecommender(string modelDirectory, string device, int threads, InferenceSession recommender, InferenceSession? encoder, IoBindingRunner? ioBindingRunner)
    {
        ModelDirectory = modelDirectory;
        Device = device;
        Threads = threads;
        this.recommender = recommender;
        this.encoder = encoder;
        this.ioBindingRunner = ioBindingRunner;
        var metadata = recommender.ModelMetadata.CustomMetadataMap;
        ModelType = metadata.GetValueOrDefault("model_type", "");
        ItemCount = ReadCount(metadata, "item_count");
        LatentDim = encoder is null ? null : ReadCount(metadata, "latent_dim");
        // An overridable initializer is listed apart from the inputs that must be fed.
        CanIncludeSeen = recommender.InputMetadata.ContainsKey(ExcludeSeenInput) || recommender.OverridableInitializerMetadata.ContainsKey(ExcludeSeenInput);
    }

    public string ModelDirectory { get; }

    /// <summary><c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>, as asked.</summary>
    public string Device { get; }

    /// <summary>ONNX Runtime's intra-op threads.</summary>
    public int Threads { get; }

    public string ModelType { get; }

    public int ItemCount { get; }

    /// <summary>The latent size; null for a model without an encoder graph (<see cref="HasEncoder"/>).</summary>
    public int? LatentDim { get; }

    /// <summary>Whether the model has an encoder graph, so that <see cref="Encode"/> can give latent means.</summary>
    public bool HasEncoder => encoder is not null;

    /// <summary>
    /// Whether the recommender graph takes <c>exclude_seen</c>, so that <see cref="Recommend"/> can score a
    /// user's own items too; graphs exported before it always leave them out.
    /// </summary>
    public bool CanIncludeSeen { get; }

    /// <summary>Whether <see cref="Recommend"/> runs the graph through IOBinding (see <see cref="Open"/>).</summary>
    public bool UsesIoBinding => ioBindingRunner is not null;

    /// <summary>
    /// Loads the graphs of a model directory (or of a run directory's model) for <paramref name="device"/>:
    /// <c>cpu</c>, or <c>cuda</c> / <c>cuda:N</c> for the CUDA execution provider (then
    /// <see cref="ExecutionProviderException"/> when it cannot be loaded). A graph ONNX Runtime cannot
    /// load (empty, truncated, not ONNX), or whose metadata disagrees with the directory's model card
    /// (item count, model type, data hash), is a <see cref="ModelBundleException"/> naming the file.
    /// </summary>
    /// <param name="threads">ONNX Runtime's intra-op threads on the CPU; 0 (the default) takes every core the process may use.</param>
    /// <param name="spinWait">
    /// Whether ONNX Runtime's threads spin between operators rather than sleep: faster when scoring has the
    /// cores to itself (6,500-6,800 against 5,200-5,350 users/s at ML-20M's shape on 2 cores), slower when
    /// other threads work meanwhile, as a batch job's reader and writer do (4,490 against 3,510 users/s end to end).
    /// </param>
    /// <param name="ioBinding">
    /// Run <see cref="Recommend"/> through ONNX Runtime's IOBinding: on CUDA the histories are staged in page-locked
    /// host memory (the CUDA provider's pinned allocator), from which the copy to the device is a direct DMA, and the
    /// top k come back into page-locked memory too; on the CPU the inputs are bound in place. Off by default:
    /// <c>benchmark-scoring --io-binding</c> measures it beside the plain run. Not yet run on a GPU.
    /// </param>
    public static OnnxRecommender Open(string modelDirectory, string device = "cpu", int threads = 0, bool spinWait = true, bool ioBinding = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        string directory = ModelBundle.ResolveDirectory(modelDirectory);
        int? cudaDevice = ParseDevice(device);
        threads = threads == 0 ? Environment.ProcessorCount : threads;
        InferenceSession? recommender = null;
        InferenceSession? encoder = null;
        try
        {
            recommender = CreateSession(directory, ModelFiles.Recommender, device, cudaDevice, threads, spinWait);
            var card = ReadCard(directory);
            // A model without a latent space (EASE) has no encoder graph; its card says so.
            bool hasEncoder = card is null ? File.Exists(Path.Combine(directory, ModelFiles.Encoder)) : card.LatentDim is not null;
            if (hasEncoder) encoder = CreateSession(directory, ModelFiles.Encoder, device, cudaDevice, threads, spinWait);
            if (card is not null)
            {
                CheckAgainstCard(directory, ModelFiles.Recommender, recommender, card);
                if (encoder is not null) CheckAgainstCard(directory, ModelFiles.Encoder, encoder, card);
            }
            return new OnnxRecommender(directory, device, threads, recommender, encoder, ioBinding ? IoBindingRunner.For(recommender, device, cudaDevice) : null);
        }
        catch
        {
            recommender?.Dispose();
            encoder?.Dispose();
            throw;
        }
    }

    /// <summary>The best <paramref name="k"/> items for each row of <paramref name="histories"/>, excluding the row's own items unless told otherwise.</summary>
    /// <param name="excludeSeen">
    /// False to rank a row's own items with the others (re-recommending what a user already has). Throws
    /// <see cref="NotSupportedException"/> for a model exported before that was possible (<see cref="CanIncludeSeen"/>).
    /// </param>
    public TopKResult Recommend(CsrMatrix histories, int k, bool excludeSeen = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (!excludeSeen && !CanIncludeSeen) throw IncludeSeenNotSupported();
        long[] items = CheckedItemIndices(histories);
        int width = Math.Min(k, ItemCount);
        if (histories.RowCount == 0) return new TopKResult(0, width, [], []);

        if (ioBindingRunner is not null) return ioBindingRunner.Recommend(recommender, items, histories.RowOffsets, histories.RowCount, width, k, excludeSeen);
        using var itemValue = OrtValue.CreateTensorValueFromMemory(items, [items.LongLength]);
        using var offsetValue = OrtValue.CreateTensorValueFromMemory(histories.RowOffsets, [histories.RowOffsets.LongLength]);
        using var kValue = OrtValue.CreateTensorValueFromMemory(new long[] { k }, [1]);
        // exclude_seen is fed only when it is false: the graph's default is true, and older graphs lack it.
        using var includeSeenValue = excludeSeen ? null : OrtValue.CreateTensorValueFromMemory(new[] { false }, [1]);
        using var options = new RunOptions();
        using var outputs = includeSeenValue is null
            ? recommender.Run(options, [ItemIndicesInput, UserOffsetsInput, KInput], [itemValue, offsetValue, kValue], [TopItemsOutput, TopScoresOutput])
            : recommender.Run(options, [ItemIndicesInput, UserOffsetsInput, KInput, ExcludeSeenInput], [itemValue, offsetValue, kValue, includeSeenValue], [TopItemsOutput, TopScoresOutput]);
        return ToTopK(histories.RowCount, width, outputs[0], outputs[1]);
    }

    /// <summary>The graph's top-k outputs as a <see cref="TopKResult"/>.</summary>
    internal static TopKResult ToTopK(int rows, int width, OrtValue topItemsValue, OrtValue topScoresValue)
    {
        var topItems = topItemsValue.GetTensorDataAsSpan<long>();
        var topIndices = new int[topItems.Length];
        for (int i = 0; i < topIndices.Length; i++) topIndices[i] = (int)topItems[i];
        return new TopKResult(rows, width, topIndices, topScoresValue.GetTensorDataAsSpan<float>().ToArray());
    }

    /// <summary>The latent mean (the encoder's output at inference) of each row of <paramref name="histories"/>.</summary>
    /// <exception cref="NotSupportedException">The model has no encoder graph (<see cref="HasEncoder"/>).</exception>
    public float[][] Encode(CsrMatrix histories)
    {
        if (encoder is null || LatentDim is not int latentDim) throw NoEncoder();
        long[] items = CheckedItemIndices(histories);
        if (histories.RowCount == 0) return [];

        using var itemValue = OrtValue.CreateTensorValueFromMemory(items, [items.LongLength]);
        using var offsetValue = OrtValue.CreateTensorValueFromMemory(histories.RowOffsets, [histories.RowOffsets.LongLength]);
        using var options = new RunOptions();
        using var outputs = encoder.Run(options, [ItemIndicesInput, UserOffsetsInput], [itemValue, offsetValue], ["mu"]);

        var mu = outputs[0].GetTensorDataAsSpan<float>();
        var means = new float[histories.RowCount][];
        for (int u = 0; u < means.Length; u++) means[u] = mu.Slice(u * latentDim, latentDim).ToArray();
        return means;
    }

    internal NotSupportedException NoEncoder() =>
        new($"the '{ModelType}' model in '{ModelDirectory}' has no latent space (no {ModelFiles.Encoder}): user embeddings come from models with an encoder, such as vae or dae");

    internal NotSupportedException IncludeSeenNotSupported() =>
        new($"the model in '{ModelDirectory}' was exported before recommendations could include a user's own items (it has no '{ExcludeSeenInput}' input); export or train it again to use that");

    public void Dispose()
    {
        ioBindingRunner?.Dispose();
        recommender.Dispose();
        encoder?.Dispose();
    }

    /// <summary>The histories' item indices as the graph's int64 input, after checking them: out-of-range indices would fail deep inside ONNX Runtime.</summary>
    private long[] CheckedItemIndices(CsrMatrix histories)
    {
        if (histories.ColumnCount != ItemCount)
            throw new ArgumentException($"the histories have {histories.ColumnCount} item columns, the model scores {ItemCount} items", nameof(histories));
        var items = new long[histories.NonZeroCount];
        for (int row = 0; row < histories.RowCount; row++)
        {
            if (histories.RowOffsets[row + 1] < histories.RowOffsets[row])
                throw new ArgumentException($"the row offsets decrease at row {row}", nameof(histories));
            var columns = histories.Row(row);
            for (int i = 0; i < columns.Length; i++)
            {
                if ((uint)columns[i] >= (uint)ItemCount)
                    throw new ArgumentException($"item index {columns[i]} of row {row} is outside 0..{ItemCount - 1}", nameof(histories));
                items[histories.RowOffsets[row] + i] = columns[i];
            }
        }
        return items;
    }

    private static InferenceSession CreateSession(string directory, string file, string device, int? cudaDevice, int threads, bool spinWait)
    {
        // ONNX Runtime's own default counts physical cores as it sees them, which on some virtual
        // machines is one: half the speed of this 2-core machine. The count is set explicitly.
        // Errors only: ONNX Runtime warns at every load that exclude_seen, an initializer that is also an input,
        // is not folded into a constant, which is what the graph means it to be (an overridable default).
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        if (!spinWait) options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        if (cudaDevice is int id)
        {
            try
            {
                options.AppendExecutionProvider_CUDA(id);
            }
            catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
            {
                throw new ExecutionProviderException(device,
                    $"CUDA was asked for (device '{device}') but the ONNX Runtime CUDA execution provider could not be loaded: {e.Message}", e);
            }
        }
        try
        {
            return new InferenceSession(Path.Combine(directory, file), options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelBundleException(directory, $"'{directory}': cannot load {file}: {e.Message}", inner: e);
        }
    }

    /// <summary>The directory's model card, or null where there is none (graphs exported on their own).</summary>
    private static ModelCard? ReadCard(string directory)
    {
        string path = Path.Combine(directory, ModelFiles.Card);
        if (!File.Exists(path)) return null;
        try
        {
            return ModelCard.Load(path);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new ModelBundleException(directory, $"'{directory}': cannot read {ModelFiles.Card}: {e.Message}", inner: e);
        }
    }

    /// <summary>
    /// The graph's metadata (written by the exporter) must describe the model of the card: a graph
    /// copied in from another model would otherwise score the wrong items.
    /// </summary>
    private static void CheckAgainstCard(string directory, string file, InferenceSession session, ModelCard card)
    {
        var metadata = session.ModelMetadata.CustomMetadataMap;
        string itemCount = card.ItemCount.ToString(CultureInfo.InvariantCulture);
        foreach (var (key, expected) in new[] { ("item_count", itemCount), ("model_type", card.ModelType), ("data_hash", card.DataHash) })
        {
            // Keys the graph does not carry (data_hash before models were packaged with it) are not checked.
            if (metadata.TryGetValue(key, out string? actual) && actual != expected)
            {
                throw new ModelBundleException(directory,
                    $"'{directory}': {file} was exported with {key} '{actual}' but {ModelFiles.Card} says '{expected}' (the graph belongs to another model)");
            }
        }
    }

    private static int? ParseDevice(string device)
    {
        if (device.Equals("cpu", StringComparison.OrdinalIgnoreCase)) return null;
        if (device.Equals("cuda", StringComparison.OrdinalIgnoreCase)) return 0;
        if (device.StartsWith("cuda:", StringComparison.OrdinalIgnoreCase)
            && int.TryParse(device.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int id))
            return id;
        throw new ArgumentException($"device '{device}' is not 'cpu', 'cuda' or 'cuda:N'", nameof(device));
    }

    private int ReadCount(IReadOnlyDictionary<string, string> metadata, string key)
    {
        if (metadata.TryGetValue(key, out string? text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value > 0)
            return value;
        throw new InvalidDataException($"{ModelDirectory}: {ModelFiles.Recommender} has no '{key}' metadata; was it exported by VaeToolkit?");
    }
}

namespace VaeToolkit.Runs;

/// <summary>
/// The names of the files in a model directory, the unit that the inference engine serves and
/// evaluates. A run directory holds one in <see cref="RunFiles.ModelFolder"/>.
/// </summary>
public static class ModelFiles
{
    /// <summary>The model card (JSON): model type, sizes, data set, training summary.</summary>
    public const string Card = "model.json";

    /// <summary>ONNX graph: sparse histories in, top-k item indices and scores out (history excluded).</summary>
    public const string Recommender = "recommender.onnx";

    /// <summary>
    /// ONNX graph: sparse histories in, the latent mean out. Only models with a latent space have one
    /// (the card's <see cref="ModelCard.LatentDim"/> is set); EASE has none.
    /// </summary>
    public const string Encoder = "encoder.onnx";

    /// <summary>Tab-separated: index, original item id, training popularity, name.</summary>
    public const string Items = "items.tsv";

    /// <summary>Every known user's positive items (<see cref="Data.CsrFile"/> format, row ids are user ids).</summary>
    public const string UserHistories = "users.vcsr";

    /// <summary>Test users' fold-in items (model input) and target items (to predict).</summary>
    public const string TestFoldIn = "test-fold-in.vcsr";

    public const string TestTargets = "test-targets.vcsr";

    /// <summary>
    /// Each item's vector (float32 NPY, [items, dim]): the decoder output layer's weights for the item,
    /// for item-to-item similarity. Not required: model directories exported before it still open.
    /// </summary>
    public const string ItemEmbeddings = "item_embeddings.npy";

    /// <summary>The files every model directory holds, <see cref="Encoder"/> among them unless its card says the model has no latent space.</summary>
    public static readonly string[] Required = [Card, Recommender, Encoder, Items, UserHistories, TestFoldIn, TestTargets];

    /// <summary>The files a model directory whose card is <paramref name="card"/> must hold (all of <see cref="Required"/> when the card is unknown).</summary>
    public static IEnumerable<string> RequiredFor(ModelCard? card) =>
        card is { LatentDim: null } ? Required.Where(file => file != Encoder) : Required;

    /// <summary>The files whose SHA-256 the model card records (<see cref="ModelCard.FileSha256"/>): all but the card.</summary>
    public static readonly string[] Hashed = [Recommender, Encoder, Items, UserHistories, TestFoldIn, TestTargets, ItemEmbeddings];
}

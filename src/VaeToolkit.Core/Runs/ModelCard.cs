using System.Text.Json;
using System.Text.Json.Serialization;
using VaeToolkit.IO;

namespace VaeToolkit.Runs;

/// <summary>
/// What a model directory holds (<see cref="ModelFiles.Card"/>, JSON with snake_case keys): the
/// model's shape, the data it was trained on and a summary of the training.
/// </summary>
public sealed record ModelCard
{
    public const int CurrentFormatVersion = 1;

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary><c>model.type</c>: <c>vae</c>, <c>dae</c>, <c>ease</c>, ...</summary>
    public required string ModelType { get; init; }

    public required int ItemCount { get; init; }

    /// <summary>The latent size of a model with an encoder graph (<see cref="ModelFiles.Encoder"/>); null for one without (EASE).</summary>
    public int? LatentDim { get; init; }

    /// <summary>Encoder widths after the item layer, as configured (the last is the latent size); null for a model without an encoder.</summary>
    public IReadOnlyList<int>? EncoderDims { get; init; }

    /// <summary>Settings of the model that are not its shape, by name, such as EASE's <c>lambda</c> (the one picked, when picked on validation).</summary>
    public IReadOnlyDictionary<string, double>? Hyperparameters { get; init; }

    /// <summary>
    /// How many of the first rows of <see cref="ModelFiles.UserHistories"/> are the training users, the next
    /// <see cref="ValidationUsers"/> the validation users (then the test users): what a baseline fitted
    /// beside the model needs. Null in model directories written before it was recorded.
    /// </summary>
    public int? TrainUsers { get; init; }

    public int? ValidationUsers { get; init; }

    /// <summary>The data set's short name, such as <c>ml-latest-small</c>.</summary>
    public required string Dataset { get; init; }

    public required string DataHash { get; init; }

    public required DateTime CreatedUtc { get; init; }

    /// <summary>The epoch whose weights were kept, or null when not selected on validation.</summary>
    public int? BestEpoch { get; init; }

    // The naming policy would write "validation_ndcg_at100".
    [JsonPropertyName("validation_ndcg_at_100")]
    public double? ValidationNdcgAt100 { get; init; }

    public string? ToolkitVersion { get; init; }

    /// <summary>
    /// How the graphs store their weights (<c>export.precision</c>: fp32, fp16, bf16 or int8). Null in
    /// model directories written before it was recorded, which are all fp32.
    /// </summary>
    public string? Precision { get; init; }

    /// <summary>
    /// The SHA-256 (lower-case hex) of each other file of the model directory, by file name, checked
    /// when the model is opened. Null in model directories written before it was recorded: those open
    /// unchecked, as do files it does not list.
    /// </summary>
    [JsonPropertyName("file_sha256")]
    public IReadOnlyDictionary<string, string>? FileSha256 { get; init; }

    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, JsonOptions));

    public static ModelCard Load(string path)
    {
        ModelCard? card;
        try
        {
            card = JsonSerializer.Deserialize<ModelCard>(File.ReadAllText(path), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid model card ({e.Message})", e);
        }
        if (card is null) throw new InvalidDataException($"{path}: the model card is empty");
        if (card.FormatVersion > CurrentFormatVersion)
            throw new InvalidDataException($"{path}: model card format {card.FormatVersion} is newer than this toolkit reads ({CurrentFormatVersion})");
        return card;
    }
}

using System.Text.Json;
using VaeToolkit.Inference;
using VaeToolkit.IO;
using VaeToolkit.Orchestration.Runs;

namespace VaeToolkit.Orchestration.Reports;

/// <summary>
/// evaluation.json of a run directory: the latest test evaluation of its model by Test-VaeModel or
/// <c>vaetoolkit test</c> (with the EASE baseline the training run's own evaluation lacks), and which export
/// of the model it scored, so that a model exported again (a resumed run) is not credited with old scores.
/// </summary>
public sealed record RecordedEvaluation
{
    public const string FileName = "evaluation.json";

    public DateTime EvaluatedUtc { get; init; }

    /// <summary>The model card's <c>created_utc</c> of the model that was scored.</summary>
    public DateTime ModelCreatedUtc { get; init; }

    public required EvaluationReport Report { get; init; }

    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, RunManifest.Json));

    /// <summary>Reads the file; throws <see cref="InvalidDataException"/> naming it when it is not one.</summary>
    public static RecordedEvaluation Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<RecordedEvaluation>(File.ReadAllText(path), RunManifest.Json)
                ?? throw new InvalidDataException($"{path}: empty evaluation record");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not an evaluation record ({e.Message})", e);
        }
    }
}

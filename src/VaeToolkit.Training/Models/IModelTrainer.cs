using VaeToolkit.Data;

namespace VaeToolkit.Training.Models;

/// <summary>
/// The contract every model meets (<see cref="ModelRegistry"/> builds one by <c>model.type</c>): it trains on
/// the prepared data, iteratively by epochs or in closed form, keeps the best validation result, and exports
/// the recommender graph (sparse histories in, top-k out, the history excluded unless asked otherwise),
/// plus, when the model has them, the encoder graph and item embeddings. Nothing past the export names a model.
/// </summary>
public interface IModelTrainer : IDisposable
{
    /// <summary>The device it trains on, described for the run's manifest ("NVIDIA H200", a CPU model).</summary>
    string DeviceName { get; }

    /// <summary>A warning about a setting that works but runs far slower than it should; else null.</summary>
    string? Warning { get; }

    /// <summary>
    /// Trains on <paramref name="data"/>'s training users and selects on its validation users. With a checkpoint
    /// folder an iterative model checkpoints there and, when <paramref name="resume"/> is set, continues from its
    /// last checkpoint; a closed-form model may ignore both. Cancellation is honoured between steps.
    /// </summary>
    TrainingOutcome Fit(PreparedDataset data, string? checkpointFolder, bool resume, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken);

    /// <summary>What the model card records of the trained model's shape and settings.</summary>
    ModelShape Shape { get; }

    /// <summary>
    /// Writes the trained model's graphs (and item embeddings, when it has them) into <paramref name="modelDirectory"/>,
    /// each atomically, with <paramref name="metadata"/> in each graph's metadata_props.
    /// </summary>
    /// <param name="precision">One of <see cref="Configuration.ExportPrecisions.All"/> that the model supports.</param>
    void Export(string modelDirectory, IReadOnlyDictionary<string, string> metadata, string precision);
}

namespace VaeToolkit.Runs;

/// <summary>The layout of a run directory, the unit of work of a training run.</summary>
public static class RunFiles
{
    /// <summary>The resolved configuration the run used.</summary>
    public const string Config = "config.yaml";

    /// <summary>Versions, data hash, timings, per-epoch history and metrics (JSON).</summary>
    public const string Manifest = "manifest.json";

    public const string CheckpointFolder = "checkpoints";

    public const string ModelFolder = "model";
}

using System.Security.Cryptography;
using System.Text;
using VaeToolkit.Configuration;
using VaeToolkit.Data;

namespace VaeToolkit.Training.Fitting;

/// <summary>
/// What a resumption must share with its checkpoint: the settings (everything but the epoch count, early
/// stopping and the export settings), the prepared data and the catalogue size. Every iterative trainer checks a checkpoint
/// with <see cref="Check"/> before it loads anything from it, and writes <see cref="Key"/> and
/// <see cref="Settings"/> into each checkpoint it saves.
/// </summary>
internal static class ResumeCheck
{
    /// <summary>
    /// Refuses, with the reason, a resumption of <paramref name="state"/> (a checkpoint's header) with other
    /// settings than the epoch count, other prepared data, or another catalogue size. Reads nothing else, so
    /// it runs before any weights are loaded or any file of the run is written.
    /// </summary>
    /// <exception cref="ResumeMismatchException">The checkpoint does not fit.</exception>
    public static void Check(string checkpointPath, Checkpoint state, VaeConfig config, PreparedDataset data)
    {
        if (state.ConfigHash != Key(config))
        {
            var changes = state.Settings is string before ? ConfigDiff.Changes(before, Settings(config)) : [];
            string what = changes.Count > 0 ? string.Join("; ", changes) : "the settings differ";
            throw new ResumeMismatchException(checkpointPath, $"it was written with other settings ({what}); only training.epochs, the early stopping settings and export.precision may change when resuming");
        }
        if (state.DataHash is string hash && hash != data.DataHash)
            throw new ResumeMismatchException(checkpointPath, $"it was trained on other data (data hash {hash[..Math.Min(12, hash.Length)]}..., now {data.DataHash[..Math.Min(12, data.DataHash.Length)]}...): the data set or its files changed");
        if (state.ItemCount is int items && items != data.ItemCount)
            throw new ResumeMismatchException(checkpointPath, $"its model has {items} items, the data now has {data.ItemCount}");
    }

    /// <summary>
    /// Settings a resumed run must share with its checkpoint (everything but the epoch count, the early stopping
    /// settings, which only decide when to stop and are replayed from the history (<see cref="EarlyStopping"/>), and the export
    /// settings, which change only the ONNX files written at the end), as YAML.
    /// </summary>
    public static string Settings(VaeConfig config) =>
        ConfigWriter.ToYamlWithoutExport(config with
        {
            SourcePath = null,
            Training = config.Training with { Epochs = 1, EarlyStoppingPatience = null, EarlyStoppingMinDelta = 0 },
        });

    /// <summary>The hash of <see cref="Settings"/>.</summary>
    public static string Key(VaeConfig config) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Settings(config))));
}

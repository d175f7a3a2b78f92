using VaeToolkit.Configuration;
using VaeToolkit.Metrics;
using VaeToolkit.Runs;

namespace VaeToolkit.Inference;

/// <summary>Which metrics a model is evaluated with when none are named: those of its run's config.</summary>
public static class RunMetrics
{
    /// <summary>
    /// The <c>evaluation.metrics</c> of the run that <paramref name="modelDirectory"/> belongs to (its parent holds the
    /// run's <see cref="RunFiles.Config"/>), or <see cref="RankingMetric.Defaults"/> for a model folder outside a run.
    /// </summary>
    /// <exception cref="ConfigException">The run's config cannot be read; the message names the file and line.</exception>
    public static IReadOnlyList<RankingMetric> Of(string modelDirectory)
    {
        string full = Path.GetFullPath(modelDirectory).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        if (Path.GetFileName(full) != RunFiles.ModelFolder || Path.GetDirectoryName(full) is not string run)
            return RankingMetric.Defaults;
        string config = Path.Combine(run, RunFiles.Config);
        return File.Exists(config) ? ConfigLoader.ReadEvaluation(config).Metrics : RankingMetric.Defaults;
    }
}

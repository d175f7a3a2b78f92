using System.Globalization;

namespace VaeToolkit.Training;

/// <summary>
/// Why training ended: <see cref="Completed"/> (every epoch, or every candidate of a closed form, ran),
/// <see cref="EarlyStopping"/> (validation stopped improving) or <see cref="Cancelled"/> (stopped on request;
/// only a run's manifest records it, since a cancelled fit ends in an exception, not an outcome), with the
/// last epoch trained and a sentence for people.
/// </summary>
public sealed record TrainingStop(string Reason, int Epoch, string Description)
{
    public const string Completed = "completed";
    public const string EarlyStopping = "early_stopping";
    public const string Cancelled = "cancelled";

    /// <summary>Every epoch ran, up to <paramref name="epoch"/>.</summary>
    public static TrainingStop AllEpochs(int epoch) =>
        new(Completed, epoch, $"trained every epoch (the last, {epoch})");

    /// <summary>Stopped by request after <paramref name="epoch"/> (0: before the first ended).</summary>
    public static TrainingStop ByRequest(int epoch) =>
        new(Cancelled, epoch, epoch > 0
            ? $"stopped on request after epoch {epoch}; resume to continue from its last checkpoint"
            : "stopped on request before the first epoch ended");

    /// <summary>
    /// Stopped after <paramref name="epoch"/>: <paramref name="patience"/> validations in a row did not beat
    /// <paramref name="reference"/> (the last NDCG@100 that counted as an improvement) by more than <paramref name="minDelta"/>.
    /// </summary>
    public static TrainingStop Early(int epoch, int patience, double minDelta, double reference, int bestEpoch) =>
        new(EarlyStopping, epoch, string.Create(CultureInfo.InvariantCulture,
            $"stopped early after epoch {epoch}: validation NDCG@100 did not rise above {reference:F4}{(minDelta > 0 ? $" by more than {minDelta:R}" : "")} " +
            $"for {patience} validation{(patience == 1 ? "" : "s")} in a row (training.early_stopping_patience: {patience}); the best epoch, {bestEpoch}, is kept"));
}

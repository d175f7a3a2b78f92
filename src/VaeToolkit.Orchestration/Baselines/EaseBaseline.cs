using System.Diagnostics;
using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.Inference;
using VaeToolkit.Metrics;
using VaeToolkit.Runs;
using VaeToolkit.Training;
using VaeToolkit.Training.Models.Ease;
using TorchSharp;
using static TorchSharp.torch;

namespace VaeToolkit.Orchestration.Baselines;

/// <summary>
/// The EASE baseline that <c>Test-VaeModel</c> and <c>vaetoolkit test</c> report beside the model: fitted on the
/// model's own training users (the first <see cref="ModelCard.TrainUsers"/> rows of its user histories), λ picked
/// from <see cref="LambdaGrid"/> on its validation users, scored on its test users with the evaluator's metrics.
/// The validation users' histories are stored whole, so they are split again here: a fifth of each user's items,
/// drawn with a fixed seed, become the targets.
/// </summary>
public static class EaseBaseline
{
    /// <summary>Above this many items on the CPU the baseline is skipped: each λ would take minutes on a few cores.</summary>
    public const int MaxCpuItems = 10_000;

    /// <summary>λ values tried: a coarse grid over what suits small (100-300) and large (500-1000) data sets.</summary>
    public static readonly IReadOnlyList<double> LambdaGrid = [100, 300, 1000];

    /// <summary>
    /// <paramref name="report"/> with the EASE baseline of <paramref name="bundle"/>'s model, or with the reason
    /// it was skipped in <see cref="EvaluationReport.EaseBaselineNote"/>.
    /// </summary>
    /// <param name="device">Where to fit: <c>cpu</c> or <c>cuda[:N]</c>; a CUDA device TorchSharp cannot use falls back to the CPU.</param>
    /// <param name="metrics">The metrics for <see cref="BaselineReport.Metrics"/>; null: <see cref="RankingMetric.Defaults"/>.</param>
    public static EvaluationReport AddTo(EvaluationReport report, ModelBundle bundle, string device, int batchSize = 500, CancellationToken cancellationToken = default,
        IReadOnlyList<RankingMetric>? metrics = null)
    {
        var card = bundle.Card;
        Device torchDevice = CPU;
        try
        {
            torchDevice = TorchDevices.Resolve(device);
        }
        catch (DeviceUnavailableException)
        {
            // The model was scored where asked; the baseline is fitted on the CPU.
        }
        string? skip = card.ModelType == ModelTypes.Ease ? "the model is EASE itself"
            : card.TrainUsers is not int || card.ValidationUsers is not int ? $"the model card of {bundle.Directory} does not record its training users (it was exported before they were recorded): train or resume the run again to export it anew"
            : torchDevice.type == DeviceType.CPU && card.ItemCount > MaxCpuItems ? $"{card.ItemCount:N0} items: on the CPU EASE would take minutes for each λ (more than {MaxCpuItems:N0} items); evaluate with -Device cuda, or train an EASE run and compare the two"
            : null;
        if (skip is null)
        {
            try
            {
                EaseMemory.Check(card.ItemCount, torchDevice);
            }
            catch (InvalidOperationException e)
            {
                skip = e.Message;
            }
        }
        if (skip is not null) return report with { EaseBaselineNote = $"no EASE baseline: {skip}" };
        return report with { EaseBaseline = Fit(bundle, card.TrainUsers!.Value, card.ValidationUsers!.Value, torchDevice, batchSize, metrics, cancellationToken) };
    }

    private static BaselineReport Fit(ModelBundle bundle, int trainUsers, int validationUsers, Device device, int batchSize,
        IReadOnlyList<RankingMetric>? metrics, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var validation = SplitAgain(bundle.UserHistories, trainUsers, validationUsers);
        using var gram = EaseSolver.Gram(bundle.UserHistories, trainUsers, device, cancellationToken);
        var (best, bestIndex, _) = EaseSolver.SelectLambda(gram, LambdaGrid, validation, batchSize, cancellationToken: cancellationToken);
        double bestLambda = LambdaGrid[bestIndex];
        using var kept = best;
        var test = EaseSolver.Score(kept, bundle.Test.FoldIn, bundle.Test.Targets, batchSize, cancellationToken, metrics);
        return new BaselineReport(ModelTypes.Ease, test.Users, test.NdcgAt100, test.RecallAt20, test.RecallAt50)
        {
            Settings = new Dictionary<string, double> { ["lambda"] = bestLambda },
            Metrics = test.Metrics,
            Seconds = watch.Elapsed.TotalSeconds,
        };
    }

    /// <summary>Rows [first, first + count) split into fold-in and targets: a fifth of each user's items (at least one of two or more), drawn with a fixed seed.</summary>
    internal static HeldOutUsers SplitAgain(CsrMatrix histories, int first, int count)
    {
        var random = new Random(20190513); // fixed: the same baseline every time the model is tested
        var foldIn = new List<IEnumerable<int>>(count);
        var targets = new List<IEnumerable<int>>(count);
        for (int u = first; u < first + count; u++)
        {
            int[] items = histories.Row(u).ToArray();
            random.Shuffle(items);
            int targetCount = items.Length < 2 ? 0 : Math.Max(1, items.Length / 5);
            targets.Add(items[..targetCount].Order().ToArray());
            foldIn.Add(items[targetCount..].Order().ToArray());
        }
        string[] ids = [.. Enumerable.Range(first, count).Select(u => u.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        return new HeldOutUsers(ids, CsrMatrix.FromRows(foldIn, histories.ColumnCount), CsrMatrix.FromRows(targets, histories.ColumnCount));
    }
}

using System.Globalization;
using ScottPlot;
using VaeToolkit.Training;

namespace VaeToolkit.Orchestration.Reports;

/// <summary>
/// The training curves of a run as a PNG, drawn with ScottPlot: the training loss of every epoch (left axis)
/// and the validation NDCG@100 of every validated epoch (right axis), the best epoch marked. A model that
/// searches settings instead of training by epochs (EASE's λ) gets the validation NDCG@100 of each setting
/// tried, the chosen one marked.
/// </summary>
public static class TrainingCurvesPlot
{
    public const int Width = 1000;

    public const int Height = 520;

    /// <summary>
    /// The PNG's bytes, or null when the history has nothing to draw (no epoch was recorded).
    /// <paramref name="bestEpoch"/> is the epoch (or setting, numbered from 1) whose weights were kept.
    /// </summary>
    public static byte[]? Render(IReadOnlyList<EpochRecord> history, int? bestEpoch, string title)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (history.Count == 0) return null;
        BundledFont.Register();
        using var plot = new Plot();
        if (IsSettingSearch(history)) DrawSettings(plot, history, bestEpoch);
        else DrawEpochs(plot, history, bestEpoch);
        plot.Title(title);
        plot.Font.Set(BundledFont.FamilyName);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    /// <summary>Whether each record is a setting tried (EASE's λ), not an epoch of training.</summary>
    public static bool IsSettingSearch(IReadOnlyList<EpochRecord> history) =>
        history.Count > 0 && history.All(record => record.Settings is { Count: > 0 });

    /// <summary>A setting tried, as the axis names it: <c>lambda 200</c>.</summary>
    public static string SettingLabel(EpochRecord record) =>
        string.Join(", ", (record.Settings ?? new Dictionary<string, double>()).OrderBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => string.Create(CultureInfo.InvariantCulture, $"{pair.Key} {pair.Value:G6}")));

    private static void DrawEpochs(Plot plot, IReadOnlyList<EpochRecord> history, int? bestEpoch)
    {
        double[] epochs = [.. history.Select(record => (double)record.Epoch)];
        var loss = plot.Add.Scatter(epochs, history.Select(record => record.Loss).ToArray());
        loss.LegendText = "training loss";
        loss.MarkerSize = history.Count > 60 ? 0 : 4;
        plot.Axes.Left.Label.Text = "training loss";
        plot.Axes.Bottom.Label.Text = "epoch";

        var validated = history.Where(record => record.ValidationNdcgAt100 is not null).ToList();
        if (validated.Count > 0)
        {
            var ndcg = plot.Add.Scatter(validated.Select(record => (double)record.Epoch).ToArray(), validated.Select(record => record.ValidationNdcgAt100!.Value).ToArray());
            ndcg.LegendText = "validation NDCG@100";
            ndcg.MarkerSize = validated.Count > 60 ? 0 : 5;
            ndcg.Axes.YAxis = plot.Axes.Right;
            plot.Axes.Right.Label.Text = "validation NDCG@100";
            if (validated.FirstOrDefault(record => record.Epoch == bestEpoch) is { } best)
            {
                var line = plot.Add.VerticalLine(best.Epoch, 1, Colors.Gray, LinePattern.Dashed);
                line.LegendText = string.Create(CultureInfo.InvariantCulture, $"best epoch {best.Epoch} (NDCG@100 {best.ValidationNdcgAt100:F4})");
                var marker = plot.Add.Marker(best.Epoch, best.ValidationNdcgAt100!.Value, MarkerShape.OpenCircle, 14, Colors.Red);
                marker.LineWidth = 3;
                marker.Axes.YAxis = plot.Axes.Right;
            }
        }
        if (epochs.Length == 1) plot.Axes.SetLimitsX(epochs[0] - 1, epochs[0] + 1);
        plot.ShowLegend(Edge.Bottom); // below the plot: it hides no point
    }

    private static void DrawSettings(Plot plot, IReadOnlyList<EpochRecord> history, int? bestEpoch)
    {
        // Evenly spaced in the order tried (EASE's λ grid grows geometrically), each named on the axis.
        double[] positions = [.. Enumerable.Range(1, history.Count).Select(i => (double)i)];
        double[] ndcg = [.. history.Select(record => record.ValidationNdcgAt100 ?? double.NaN)];
        var scores = plot.Add.Scatter(positions, ndcg);
        scores.LegendText = "validation NDCG@100";
        scores.MarkerSize = 7;
        plot.Axes.Bottom.SetTicks(positions, history.Select(SettingLabel).ToArray());
        plot.Axes.Bottom.Label.Text = "setting tried";
        plot.Axes.Left.Label.Text = "validation NDCG@100";
        int best = history.ToList().FindIndex(record => record.Epoch == bestEpoch);
        if (best >= 0 && history[best].ValidationNdcgAt100 is double bestNdcg)
        {
            var marker = plot.Add.Marker(best + 1, bestNdcg, MarkerShape.OpenCircle, 16, Colors.Red);
            marker.LineWidth = 3;
            marker.LegendText = $"chosen: {SettingLabel(history[best])}";
        }
        plot.Axes.SetLimitsX(0.5, history.Count + 0.5);
        plot.ShowLegend(Edge.Bottom);
    }
}

using System.Globalization;
using System.Text;
using VaeToolkit.Orchestration.Runs;

namespace VaeToolkit.Cli;

/// <summary>Text a verb prints as it is, rather than as JSON.</summary>
internal sealed record CliText(string Value);

/// <summary>
/// <c>vaetoolkit compare</c>'s table: the data the runs share, one aligned row per run (best NDCG@100
/// first) and the popularity baseline as the last row.
/// </summary>
internal static class ComparisonTable
{
    private static readonly string[] Headers = ["run", "model", "NDCG@100", "Recall@20", "Recall@50", "best epoch", "epochs", "train s", "total s", "model size", "path"];

    /// <summary>Which columns are left-aligned (text); the numbers are right-aligned.</summary>
    private static readonly bool[] LeftAligned = [true, true, false, false, false, false, false, false, false, false, true];

    public static string Format(RunComparisonReport report)
    {
        var rows = report.Runs.Select(run => new[]
        {
            run.Name, run.ModelType, Metric(run.NdcgAt100), Metric(run.RecallAt20), Metric(run.RecallAt50),
            Number(run.BestEpoch), Number(run.Epochs), Seconds(run.TrainSeconds), Seconds(run.TotalSeconds), Size(run.ModelBytes), run.Path,
        }).ToList();
        PopularityBaseline popularity = report.Popularity;
        rows.Add(["popularity", "-", Metric(popularity.NdcgAt100), Metric(popularity.RecallAt20), Metric(popularity.RecallAt50), "", "", "", "", "", "(baseline: most popular training items)"]);

        int[] widths = [.. Headers.Select((header, column) => rows.Max(row => row[column].Length) is int longest && longest > header.Length ? longest : header.Length)];
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"{report.Runs.Count} run(s) on {report.Dataset} (data hash {report.DataHash[..Math.Min(12, report.DataHash.Length)]}, {report.Items:N0} items, {report.TestUsers:N0} test users), best NDCG@100 first\n\n");
        AppendRow(text, Headers, widths);
        AppendRow(text, [.. widths.Select(width => new string('-', width))], widths);
        foreach (string[] row in rows) AppendRow(text, row, widths);
        return text.ToString();
    }

    private static void AppendRow(StringBuilder text, string[] cells, int[] widths)
    {
        var line = new StringBuilder();
        for (int column = 0; column < cells.Length; column++)
        {
            if (column > 0) line.Append("  ");
            line.Append(LeftAligned[column] ? cells[column].PadRight(widths[column]) : cells[column].PadLeft(widths[column]));
        }
        text.Append(line.ToString().TrimEnd()).Append('\n');
    }

    private static string Metric(double value) => value.ToString("F4", CultureInfo.InvariantCulture);

    private static string Number(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";

    private static string Seconds(double? value) => value?.ToString("N1", CultureInfo.InvariantCulture) ?? "-";

    /// <summary>Bytes as KB below a megabyte, MB (one decimal) from there.</summary>
    private static string Size(long bytes) => bytes < 1024 * 1024
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:N0} KB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024.0):N1} MB");
}

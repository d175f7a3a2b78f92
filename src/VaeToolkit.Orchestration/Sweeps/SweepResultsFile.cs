using System.Globalization;
using System.Text;
using System.Text.Json;
using VaeToolkit.IO;
using VaeToolkit.Orchestration.Runs;

namespace VaeToolkit.Orchestration.Sweeps;

/// <summary>
/// The results table of a sweep folder, best validation NDCG@100 first, written atomically after every
/// sweep: sweep.json (with the best trial named) and sweep.csv (a column per swept key).
/// </summary>
public static class SweepResultsFile
{
    public const string JsonName = "sweep.json";
    public const string CsvName = "sweep.csv";

    public static void Write(SweepResult result)
    {
        AtomicFile.WriteAllText(Path.Combine(result.Directory, JsonName), ToJson(result));
        AtomicFile.WriteAllText(Path.Combine(result.Directory, CsvName), ToCsv(result));
    }

    public static string ToJson(SweepResult result) => JsonSerializer.Serialize(new
    {
        FormatVersion = 1,
        result.Plan.Kind,
        result.Plan.Seed,
        Best = result.Best?.Trial.Name,
        Trials = result.Trials.Select(row => new
        {
            row.Rank,
            row.IsBest,
            row.Trial.Name,
            row.Trial.Index,
            row.Status,
            Settings = row.Trial.Settings.ToDictionary(setting => setting.Key, setting => setting.Value),
            row.BestEpoch,
            row.BestValidationNdcgAt100,
            row.TestNdcgAt100,
            row.Seconds,
            row.RunPath,
            row.Error,
        }),
    }, RunManifest.Json);

    public static string ToCsv(SweepResult result)
    {
        var keys = result.Plan.Trials.SelectMany(trial => trial.Settings.Select(setting => setting.Key)).Distinct().ToList();
        var text = new StringBuilder();
        Line(text, ["rank", "best", "trial", "status", .. keys, "best_epoch", "validation_ndcg_at100", "test_ndcg_at100", "seconds", "error"]);
        foreach (var row in result.Trials)
        {
            var settings = row.Trial.Settings.ToDictionary(setting => setting.Key, setting => setting.Value);
            Line(text, [
                Number(row.Rank), row.IsBest ? "true" : "false", row.Trial.Name, row.Status,
                .. keys.Select(key => settings.GetValueOrDefault(key, "")),
                row.BestEpoch is int epoch ? Number(epoch) : "", Number(row.BestValidationNdcgAt100), Number(row.TestNdcgAt100),
                Number(row.Seconds), row.Error ?? ""]);
        }
        return text.ToString();
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Number(double? value) => value is double v ? v.ToString("R", CultureInfo.InvariantCulture) : "";

    /// <summary>One RFC 4180 line: fields with a comma, quote or line break are quoted, quotes doubled.</summary>
    private static void Line(StringBuilder text, IEnumerable<string> fields)
    {
        text.AppendJoin(',', fields.Select(field => field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{field.Replace("\"", "\"\"")}\"" : field));
        text.Append('\n');
    }
}

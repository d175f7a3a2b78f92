using System.Text;
using VaeToolkit.Inference;
using VaeToolkit.Orchestration.Runs;
using VaeToolkit.Runs;

namespace VaeToolkit.Orchestration.Reports;

/// <summary>
/// The report's test metrics: the latest evaluation of the run's current model (evaluation.json, written by
/// Test-VaeModel with the EASE baseline) or else the one the training run made itself (manifest.json), the
/// model beside popularity and EASE; or why there is none.
/// </summary>
internal sealed record TestMetricsSection(EvaluationReport? Report, string Source, string? Note)
{
    /// <summary>What the run's files say about its test metrics.</summary>
    public static TestMetricsSection Of(string runDirectory, RunManifest manifest, ModelCard? card)
    {
        string recordedPath = Path.Combine(runDirectory, RecordedEvaluation.FileName);
        string? note = null;
        if (File.Exists(recordedPath))
        {
            RecordedEvaluation? recorded = null;
            try
            {
                recorded = RecordedEvaluation.Load(recordedPath);
            }
            catch (InvalidDataException e)
            {
                note = $"{e.Message}: it is left out.";
            }
            if (recorded is not null && card is not null && recorded.ModelCreatedUtc == card.CreatedUtc)
                return new(recorded.Report, $"Scored by Test-VaeModel (or `vaetoolkit test`) on {RunReport.Inv($"{recorded.EvaluatedUtc:yyyy-MM-dd HH:mm:ss}")} UTC", null);
            if (recorded is not null)
                note = $"{RecordedEvaluation.FileName} scored an earlier export of the model and is left out: run Test-VaeModel on the run again.";
        }
        if (manifest.Test is { } test)
            return new(test, "Scored by the training run (Test-VaeModel on the run adds the EASE baseline, where one applies)", note);
        string why = new RunNotEvaluatedException(runDirectory, manifest.Status, manifest.Error).Message;
        return new(null, "", note is null ? why : $"{why}. {note}");
    }

    public void AppendTo(StringBuilder md, string modelType)
    {
        md.AppendLine("## Test metrics").AppendLine();
        if (Report is not { } report)
        {
            md.AppendLine($"No test metrics: {Note}.").AppendLine();
            return;
        }
        md.AppendLine(RunReport.Inv($"{Source}, through ONNX Runtime: {report.Users:N0} test users with target items (their fold-in items in, the held-out ones to find)."));
        md.AppendLine();
        md.AppendLine("| ranking | NDCG@100 | Recall@20 | Recall@50 |").AppendLine("|---|---|---|---|");
        md.AppendLine($"| **{RunReport.Cell(modelType)}** (this run) | **{RunReport.Metric(report.NdcgAt100)}** | **{RunReport.Metric(report.RecallAt20)}** | **{RunReport.Metric(report.RecallAt50)}** |");
        md.AppendLine($"| popularity | {RunReport.Metric(report.PopularityNdcgAt100)} | {RunReport.Metric(report.PopularityRecallAt20)} | {RunReport.Metric(report.PopularityRecallAt50)} |");
        if (report.EaseBaseline is { } ease)
        {
            string settings = ease.Settings is { Count: > 0 }
                ? " (" + string.Join(", ", ease.Settings.Select(pair => RunReport.Inv($"{(pair.Key == "lambda" ? "λ" : pair.Key)} {pair.Value:G6}"))) + ")" : "";
            md.AppendLine($"| {RunReport.Cell(ease.Model.ToUpperInvariant())} baseline{settings} | {RunReport.Metric(ease.NdcgAt100)} | {RunReport.Metric(ease.RecallAt20)} | {RunReport.Metric(ease.RecallAt50)} |");
        }
        md.AppendLine();
        md.AppendLine(RunReport.Inv($"Against popularity: {Difference(report.NdcgAt100, report.PopularityNdcgAt100)} NDCG@100")
            + (report.EaseBaseline is { } e ? RunReport.Inv($"; against the {e.Model.ToUpperInvariant()} baseline: {Difference(report.NdcgAt100, e.NdcgAt100)}.") : "."));
        if (report.EaseBaseline is null)
            md.AppendLine().AppendLine(report.EaseBaselineNote is string easeNote ? $"No EASE baseline: {easeNote}." : "No EASE baseline in this evaluation.");
        if (Note is not null) md.AppendLine().AppendLine(Note);
        md.AppendLine();
    }

    private static string Difference(double model, double baseline) => RunReport.Inv($"{model - baseline:+0.0000;-0.0000;0.0000}");
}

using System.Globalization;
using System.Text;
using VaeToolkit.Configuration;
using VaeToolkit.Inference;
using VaeToolkit.IO;
using VaeToolkit.Orchestration.Runs;
using VaeToolkit.Runs;
using VaeToolkit.Training;
using VaeToolkit.Training.Models;

namespace VaeToolkit.Orchestration.Reports;

/// <summary>
/// report.md of a run directory, rendered from the run's own files: its config (config.yaml), the data it
/// trained on, its training curves (curves.png, <see cref="TrainingCurvesPlot"/>), its test metrics beside the
/// popularity and EASE baselines, and its timings (manifest.json, and evaluation.json once Test-VaeModel or
/// <c>vaetoolkit test</c> has scored the run's model). Both files are written atomically; writing them again
/// gives the same report for the same files.
/// </summary>
public static class RunReport
{
    public const string FileName = "report.md";

    public const string CurvesFileName = "curves.png";

    private static readonly string[] PhaseOrder = ["data", "train", "export", "evaluate", "total"];

    /// <summary>
    /// Renders and writes the report of the run that <paramref name="path"/> names (a run directory or its
    /// model folder). Throws <see cref="DirectoryNotFoundException"/> or <see cref="InvalidDataException"/>
    /// naming the path when it is not a run.
    /// </summary>
    public static RunReportResult Write(string path)
    {
        string runDirectory = ResolveRunDirectory(path);
        RunManifest manifest = RunManifest.Load(Path.Combine(runDirectory, RunFiles.Manifest));
        string? configText = ReadIfExists(Path.Combine(runDirectory, RunFiles.Config));
        string modelDirectory = Path.Combine(runDirectory, RunFiles.ModelFolder);
        string cardPath = Path.Combine(modelDirectory, ModelFiles.Card);
        ModelCard? card = File.Exists(cardPath) ? ModelCard.Load(cardPath) : null;
        string modelType = card?.ModelType ?? ModelTypeOf(configText, runDirectory) ?? "unknown model";
        var test = TestMetricsSection.Of(runDirectory, manifest, card);

        string curvesPath = Path.Combine(runDirectory, CurvesFileName);
        string title = $"{Path.GetFileName(runDirectory)}: {modelType} on {manifest.Data?.Name ?? "unknown data"}";
        byte[]? png = TrainingCurvesPlot.Render(manifest.History, manifest.BestEpoch, title);
        if (png is not null) AtomicFile.WriteAllBytes(curvesPath, png);

        string markdown = Render(runDirectory, manifest, modelType, configText, png is not null, test);
        string reportPath = Path.Combine(runDirectory, FileName);
        AtomicFile.WriteAllText(reportPath, markdown);
        return new RunReportResult(runDirectory, reportPath, png is null ? null : curvesPath, markdown);
    }

    /// <summary>
    /// The run directory that <paramref name="path"/> names: itself when it holds a manifest, its parent when
    /// it is a run's model folder. Throws naming the path otherwise.
    /// </summary>
    public static string ResolveRunDirectory(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string directory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        if (File.Exists(directory)) throw new InvalidDataException($"'{directory}' is a file, not a run directory");
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"run directory '{directory}' does not exist");
        if (File.Exists(Path.Combine(directory, RunFiles.Manifest))) return directory;
        if (RunOf(directory) is string run) return run;
        throw new InvalidDataException($"'{directory}' is not a run directory: it has no {RunFiles.Manifest}");
    }

    /// <summary>
    /// After Invoke-VaeTraining's run has ended well: writes its report. A report that cannot be written does
    /// not fail the run: the returned warning says why (null when it was written).
    /// </summary>
    public static string? TryWrite(string runDirectory)
    {
        try
        {
            Write(runDirectory);
            return null;
        }
        catch (Exception e) when (IsReportFailure(e))
        {
            return $"warning: could not write the run report of {runDirectory}: {e.Message}";
        }
    }

    /// <summary>
    /// After Test-VaeModel or <c>vaetoolkit test</c>: when the evaluated model is a run's model folder, records the
    /// evaluation in the run (evaluation.json) and refreshes its report. Nothing happens for a model outside a
    /// run. Returns why when the run's files could not be written (for a warning), else null.
    /// </summary>
    public static string? TryRecord(EvaluationReport evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        string modelDirectory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(evaluation.ModelPath));
        if (RunOf(modelDirectory) is not string runDirectory) return null;
        try
        {
            ModelCard card = ModelCard.Load(Path.Combine(modelDirectory, ModelFiles.Card));
            new RecordedEvaluation { EvaluatedUtc = DateTime.UtcNow, ModelCreatedUtc = card.CreatedUtc, Report = evaluation }
                .Save(Path.Combine(runDirectory, RecordedEvaluation.FileName));
            Write(runDirectory);
            return null;
        }
        catch (Exception e) when (IsReportFailure(e))
        {
            return $"could not record the evaluation in the run report of {runDirectory}: {e.Message}";
        }
    }

    // Anything, the plotting library's native Skia included (a host without it gets DllNotFoundException):
    // the report is derived from files that are already complete, so its failure must not undo them.
    private static bool IsReportFailure(Exception e) => e is not OperationCanceledException;

    /// <summary>The run a model folder belongs to, or null.</summary>
    private static string? RunOf(string modelDirectory) =>
        Path.GetFileName(modelDirectory) == RunFiles.ModelFolder
        && Path.GetDirectoryName(modelDirectory) is { } parent
        && File.Exists(Path.Combine(parent, RunFiles.Manifest)) ? parent : null;

    private static string? ReadIfExists(string path) => File.Exists(path) ? File.ReadAllText(path) : null;

    /// <summary>The model type of a run that has no model folder (it failed or was stopped), from its config.</summary>
    private static string? ModelTypeOf(string? configText, string runDirectory)
    {
        if (configText is null) return null;
        try
        {
            return ModelRegistry.ConfigLoader.Parse(configText, Path.Combine(runDirectory, RunFiles.Config)).Model.Type;
        }
        catch (ConfigException)
        {
            return null;
        }
    }

    internal static string Render(string runDirectory, RunManifest manifest, string modelType, string? configText, bool hasCurves, TestMetricsSection test)
    {
        var md = new StringBuilder();
        md.AppendLine(Inv($"# Run report: {Path.GetFileName(runDirectory)}")).AppendLine();
        md.AppendLine(Inv($"A run of **{modelType}** on **{manifest.Data?.Name ?? "unknown data"}**: {Describe(manifest)}.")).AppendLine();
        md.AppendLine("| | |").AppendLine("|---|---|");
        Row(md, "run folder", $"`{runDirectory}`");
        Row(md, "status", manifest.Status + (manifest.Error is null ? "" : $": {manifest.Error}"));
        Row(md, "model type", modelType);
        Row(md, "device", manifest.DeviceName is null ? manifest.Device : $"{manifest.Device} ({manifest.DeviceName})");
        Row(md, "precision", manifest.Gpus > 1 ? Inv($"{manifest.Precision}, {manifest.Gpus} GPUs") : manifest.Precision);
        Row(md, "started (UTC)", Time(manifest.StartedUtc));
        Row(md, "finished (UTC)", manifest.FinishedUtc is { } finished ? Time(finished) : "-");
        bool search = TrainingCurvesPlot.IsSettingSearch(manifest.History);
        Row(md, search ? "settings tried" : "epochs trained", Inv($"{manifest.History.Count}"));
        if (manifest.BestEpoch is int best)
        {
            string what = search && manifest.History.FirstOrDefault(r => r.Epoch == best) is { } chosen
                ? $"setting {best} ({TrainingCurvesPlot.SettingLabel(chosen)})" : Inv($"epoch {best}");
            Row(md, "best", what + (manifest.BestValidationNdcgAt100 is double ndcg ? Inv($", validation NDCG@100 {ndcg:F4}") : ""));
        }
        md.AppendLine();

        DataSection(md, manifest.Data);
        CurvesSection(md, manifest, hasCurves, search);
        test.AppendTo(md, modelType);
        TimingsSection(md, manifest, search);

        md.AppendLine("## Configuration").AppendLine();
        if (configText is null) md.AppendLine($"The run folder has no {RunFiles.Config}.").AppendLine();
        else
        {
            string fence = configText.Contains("```", StringComparison.Ordinal) ? "~~~~" : "```";
            md.AppendLine($"`{RunFiles.Config}`, as the run used it:").AppendLine();
            md.AppendLine(fence + "yaml").Append(configText.TrimEnd()).AppendLine().AppendLine(fence).AppendLine();
        }

        var v = manifest.Versions;
        md.AppendLine("## Versions").AppendLine();
        md.AppendLine("| VaeToolkit | TorchSharp | ONNX Runtime | .NET | operating system |").AppendLine("|---|---|---|---|---|");
        md.AppendLine($"| {Cell(v.Toolkit)} | {Cell(v.TorchSharp)} | {Cell(v.OnnxRuntime)} | {Cell(v.Dotnet)} | {Cell(v.OperatingSystem)} |");
        return md.ToString();
    }

    private static string Describe(RunManifest manifest) => manifest.Status switch
    {
        RunStatus.Completed => "trained, exported and evaluated",
        RunStatus.Running => "still training (this report shows the epochs done so far)",
        RunStatus.Interrupted => manifest.Error is null ? "stopped before it finished (resume it with -Resume / --resume)" : $"interrupted ({manifest.Error})",
        RunStatus.Failed => $"failed ({manifest.Error ?? "no reason recorded"})",
        _ => $"status {manifest.Status}",
    };

    private static void DataSection(StringBuilder md, DatasetSummary? data)
    {
        md.AppendLine("## Data set").AppendLine();
        if (data is null)
        {
            md.AppendLine($"The manifest records no data set (the run stopped before its data was prepared).").AppendLine();
            return;
        }
        md.AppendLine("| data set | items | training users | training interactions | validation users (held out) | test users (held out) | interactions per training user |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        string perUser = data.TrainUsers > 0 ? Inv($"{(double)data.TrainInteractions / data.TrainUsers:F1}") : "-";
        md.AppendLine(Inv($"| {Cell(data.Name)} | {data.Items:N0} | {data.TrainUsers:N0} | {data.TrainInteractions:N0} | {data.ValidationUsers:N0} | {data.TestUsers:N0} | {perUser} |")).AppendLine();
        md.AppendLine($"Data hash (source files and split settings, seed included): `{data.DataHash}`.").AppendLine();
    }

    private static void CurvesSection(StringBuilder md, RunManifest manifest, bool hasCurves, bool search)
    {
        md.AppendLine("## Training curves").AppendLine();
        if (!hasCurves)
            md.AppendLine("No epoch was recorded (the run stopped before its first epoch ended), so there is no curve to draw.");
        else if (search)
            md.AppendLine($"A closed-form model: no epochs, so no loss curve. Validation NDCG@100 of each setting tried, the chosen one circled:")
                .AppendLine().AppendLine($"![Validation NDCG@100 per setting tried]({CurvesFileName})");
        else
        {
            int validated = manifest.History.Count(record => record.ValidationNdcgAt100 is not null);
            md.AppendLine(Inv($"Training loss of each of the {manifest.History.Count} epochs and validation NDCG@100 of the {validated} validated ones, the best epoch marked:"))
                .AppendLine().AppendLine($"![Training loss and validation NDCG@100 per epoch]({CurvesFileName})");
        }
        md.AppendLine();
    }

    private static void TimingsSection(StringBuilder md, RunManifest manifest, bool search)
    {
        md.AppendLine("## Timings").AppendLine();
        if (manifest.TimingsSeconds.Count > 0)
        {
            var phases = manifest.TimingsSeconds.Keys.OrderBy(key => Array.IndexOf(PhaseOrder, key) is int i and >= 0 ? i : PhaseOrder.Length).ThenBy(key => key, StringComparer.Ordinal).ToList();
            md.AppendLine("| " + string.Join(" | ", phases) + " |").AppendLine("|" + string.Concat(phases.Select(_ => "---|")));
            md.AppendLine("| " + string.Join(" | ", phases.Select(phase => Seconds(manifest.TimingsSeconds[phase]))) + " |").AppendLine();
            string sessions = manifest.Sessions.Count > 1 ? Inv($", summed over its {manifest.Sessions.Count} sessions (started, then resumed)") : "";
            md.AppendLine($"Seconds per phase of the run{sessions}.").AppendLine();
        }
        var history = manifest.History;
        if (history.Count == 0) return;
        var validations = history.Where(record => record.ValidationSeconds is not null).ToList();
        md.AppendLine(Inv($"{(search ? "Solving" : "Training")}: {history.Sum(r => r.TrainSeconds):F2} s over {history.Count} {(search ? "settings" : "epochs")} ({history.Average(r => r.TrainSeconds):F2} s each on average); ")
            + Inv($"validation: {validations.Sum(r => r.ValidationSeconds!.Value):F2} s over {validations.Count} validations.")).AppendLine();
        md.AppendLine(search
            ? "| setting | tried | seconds | validation NDCG@100 | validation seconds |"
            : "| epoch | training loss | training seconds | validation NDCG@100 | validation seconds |");
        md.AppendLine("|---|---|---|---|---|");
        foreach (var record in history)
        {
            string second = search ? TrainingCurvesPlot.SettingLabel(record) : Inv($"{record.Loss:F4}");
            string ndcg = record.ValidationNdcgAt100 is double n ? Inv($"{n:F4}") : "-";
            if (record.Epoch == manifest.BestEpoch) ndcg = $"**{ndcg}** (best)";
            string validationSeconds = record.ValidationSeconds is double s ? Seconds(s) : "-";
            md.AppendLine(Inv($"| {record.Epoch} | {Cell(second)} | {Seconds(record.TrainSeconds)} | {ndcg} | {validationSeconds} |"));
        }
        md.AppendLine();
    }

    internal static void Row(StringBuilder md, string name, string value) => md.AppendLine($"| {name} | {Cell(value)} |");

    /// <summary>A table cell: no line breaks, pipes escaped.</summary>
    internal static string Cell(string text) => text.ReplaceLineEndings(" ").Replace("|", "\\|", StringComparison.Ordinal);

    internal static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    internal static string Metric(double value) => value.ToString("F4", CultureInfo.InvariantCulture);

    private static string Seconds(double seconds) => seconds.ToString("F2", CultureInfo.InvariantCulture);

    private static string Time(DateTime utc) => utc.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}

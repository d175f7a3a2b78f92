using System.Globalization;
using VaeToolkit.Inference;
using VaeToolkit.Orchestration.Baselines;
using VaeToolkit.Orchestration.Reports;
using VaeToolkit.Orchestration.Runs;
using VaeToolkit.Runs;
using VaeToolkit.Training;

namespace VaeToolkit.Tests.Reports;

public sealed class RunReportTests(ReportedRunsFixture runs) : IClassFixture<ReportedRunsFixture>
{
    private static string F4(double value) => value.ToString("F4", CultureInfo.InvariantCulture);

    private static string F2(double value) => value.ToString("F2", CultureInfo.InvariantCulture);

    private static string N0(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static RunManifest Manifest(string run) => RunManifest.Load(Path.Combine(run, RunFiles.Manifest));

    private static string ReportOf(string run) => File.ReadAllText(Path.Combine(run, RunReport.FileName));

    /// <summary>A copy of a fixture run, for a test that writes into it.</summary>
    private string Copy(string run, string name)
    {
        string copy = runs.Scratch(name);
        foreach (string file in Directory.EnumerateFiles(run, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(copy, Path.GetRelativePath(run, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return copy;
    }

    [Fact]
    public void ATrainedRun_HasItsReportAndCurves_WithTheManifestsNumbers()
    {
        var manifest = Manifest(runs.Vae);
        string report = ReportOf(runs.Vae);
        byte[] curves = File.ReadAllBytes(Path.Combine(runs.Vae, RunReport.CurvesFileName));

        Assert.Equal((TrainingCurvesPlot.Width, TrainingCurvesPlot.Height), PngImage.Size(curves));
        Assert.Contains($"]({RunReport.CurvesFileName})", report);

        var data = manifest.Data!;
        Assert.Contains($"| {data.Name} | {N0(data.Items)} | {N0(data.TrainUsers)} | {N0(data.TrainInteractions)} | {N0(data.ValidationUsers)} | {N0(data.TestUsers)} |", report);
        Assert.Contains(data.DataHash, report);
        Assert.Contains($"epoch {manifest.BestEpoch}, validation NDCG@100 {F4(manifest.BestValidationNdcgAt100!.Value)}", report);

        var test = manifest.Test!;
        Assert.Contains($"| **vae** (this run) | **{F4(test.NdcgAt100)}** | **{F4(test.RecallAt20)}** | **{F4(test.RecallAt50)}** |", report);
        Assert.Contains($"| popularity | {F4(test.PopularityNdcgAt100)} | {F4(test.PopularityRecallAt20)} | {F4(test.PopularityRecallAt50)} |", report);
        Assert.Contains("Scored by the training run", report);
        Assert.DoesNotContain("baseline (λ", report); // the training run fits no EASE baseline

        // Every epoch with its loss and seconds; validation every other epoch, so odd epochs have none.
        Assert.Equal(4, manifest.History.Count);
        foreach (EpochRecord epoch in manifest.History)
        {
            string validation = epoch.ValidationNdcgAt100 is double ndcg ? F4(ndcg) : "-";
            if (epoch.Epoch == manifest.BestEpoch) validation = $"**{validation}** (best)";
            Assert.Contains($"| {epoch.Epoch} | {F4(epoch.Loss)} | {F2(epoch.TrainSeconds)} | {validation} |", report);
        }
        Assert.Null(manifest.History[0].ValidationNdcgAt100);
        Assert.Contains("| data | train | export | evaluate | total |", report);
        Assert.Contains(F2(manifest.TimingsSeconds["total"]), report);
        Assert.Contains(File.ReadAllText(Path.Combine(runs.Vae, RunFiles.Config)).TrimEnd(), report);
        Assert.Contains(manifest.Versions.TorchSharp, report);
    }

    [Fact]
    public void ARunTrainedThenTested_HasTheTestMetricsAndBothBaselines_AlsoWhenWrittenAgain()
    {
        string run = Copy(runs.Vae, "tested");
        var bundle = ModelBundle.Open(run);
        EvaluationReport evaluation = ModelEvaluator.Evaluate(bundle, "cpu", 1000, cancellationToken: TestContext.Current.CancellationToken);
        evaluation = EaseBaseline.AddTo(evaluation, bundle, "cpu", 500, TestContext.Current.CancellationToken);
        BaselineReport ease = evaluation.EaseBaseline ?? throw new InvalidOperationException($"no EASE baseline: {evaluation.EaseBaselineNote}");

        Assert.Null(RunReport.TryRecord(evaluation));

        Assert.True(File.Exists(Path.Combine(run, RecordedEvaluation.FileName)));
        string lambda = ease.Settings!["lambda"].ToString("G6", CultureInfo.InvariantCulture);
        string easeRow = $"| EASE baseline (λ {lambda}) | {F4(ease.NdcgAt100)} | {F4(ease.RecallAt20)} | {F4(ease.RecallAt50)} |";
        foreach (string report in new[] { ReportOf(run), RunReport.Write(run).Markdown })
        {
            Assert.Contains($"| **vae** (this run) | **{F4(evaluation.NdcgAt100)}** | **{F4(evaluation.RecallAt20)}** | **{F4(evaluation.RecallAt50)}** |", report);
            Assert.Contains($"| popularity | {F4(evaluation.PopularityNdcgAt100)} |", report);
            Assert.Contains(easeRow, report);
            Assert.Contains($"against the EASE baseline: {(evaluation.NdcgAt100 - ease.NdcgAt100).ToString("+0.0000;-0.0000;0.0000", CultureInfo.InvariantCulture)}", report);
            Assert.Contains("Scored by Test-VaeModel", report);
        }
    }

    [Fact]
    public void AnEvaluationOfAnEarlierExport_IsLeftOut()
    {
        string run = Copy(runs.Vae, "re-exported");
        ModelCard card = ModelCard.Load(Path.Combine(run, RunFiles.ModelFolder, ModelFiles.Card));
        var old = new EvaluationReport(50, 0.9876, 0.9, 0.9, 0.1, 0.1, 0.1, Path.Combine(run, RunFiles.ModelFolder));
        new RecordedEvaluation { EvaluatedUtc = card.CreatedUtc, ModelCreatedUtc = card.CreatedUtc.AddHours(-1), Report = old }
            .Save(Path.Combine(run, RecordedEvaluation.FileName));

        string report = RunReport.Write(run).Markdown;

        Assert.DoesNotContain("0.9876", report);
        Assert.Contains(F4(Manifest(run).Test!.NdcgAt100), report);
        Assert.Contains("scored an earlier export of the model", report);
    }

    [Fact]
    public void AnEaseRun_PlotsTheLambdasTried_TheChosenOneNamed()
    {
        var manifest = Manifest(runs.Ease);
        string report = ReportOf(runs.Ease);

        Assert.Equal((TrainingCurvesPlot.Width, TrainingCurvesPlot.Height), PngImage.Size(File.ReadAllBytes(Path.Combine(runs.Ease, RunReport.CurvesFileName))));
        Assert.Contains("closed-form model", report);
        Assert.Contains("| settings tried | 2 |", report);
        EpochRecord chosen = manifest.History.Single(record => record.Epoch == manifest.BestEpoch);
        Assert.Contains($"setting {chosen.Epoch} (lambda {chosen.Settings!["lambda"].ToString("G6", CultureInfo.InvariantCulture)}), validation NDCG@100 {F4(chosen.ValidationNdcgAt100!.Value)}", report);
        Assert.Contains("| 1 | lambda 20 |", report);
        Assert.Contains("| 2 | lambda 200 |", report);
        Assert.Contains($"| **ease** (this run) | **{F4(manifest.Test!.NdcgAt100)}** |", report);
    }

    [Fact]
    public void ARunsModelFolder_NamesItsRun() =>
        Assert.Equal(Path.GetFullPath(runs.Vae), RunReport.ResolveRunDirectory(Path.Combine(runs.Vae, RunFiles.ModelFolder) + Path.DirectorySeparatorChar));

    [Fact]
    public void BadPaths_AreErrorsThatNameThem()
    {
        string missing = runs.Scratch("no-such-run");
        Assert.Contains(missing, Assert.Throws<DirectoryNotFoundException>(() => RunReport.Write(missing)).Message);

        string file = Path.Combine(runs.Vae, RunFiles.Manifest);
        Assert.Contains(file, Assert.Throws<InvalidDataException>(() => RunReport.Write(file)).Message);

        string empty = runs.Scratch("not-a-run");
        Directory.CreateDirectory(empty);
        var e = Assert.Throws<InvalidDataException>(() => RunReport.Write(empty));
        Assert.Contains(empty, e.Message);
        Assert.Contains(RunFiles.Manifest, e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(empty));
    }

    [Fact]
    public void AFailedRun_HasAReportThatSaysWhy_AndCurvesOfItsEpochs()
    {
        string run = runs.Scratch("failed");
        Directory.CreateDirectory(run);
        var failed = Manifest(runs.Vae) with { Status = RunStatus.Failed, Error = "no space left on device", Test = null, History = Manifest(runs.Vae).History.Take(2).ToList() };
        failed.Save(Path.Combine(run, RunFiles.Manifest));

        RunReportResult result = RunReport.Write(run);

        Assert.Contains("failed (no space left on device)", result.Markdown);
        Assert.Contains("No test metrics: run '", result.Markdown);
        Assert.Contains("The run folder has no config.yaml", result.Markdown);
        Assert.Equal(Path.Combine(run, RunReport.CurvesFileName), result.CurvesPath);
        Assert.Equal(result.Markdown, File.ReadAllText(Path.Combine(run, RunReport.FileName)));
    }

    [Fact]
    public void ARunStoppedBeforeItsFirstEpoch_HasNoCurves_AndSaysSo()
    {
        string run = runs.Scratch("stopped");
        Directory.CreateDirectory(run);
        (Manifest(runs.Vae) with { Status = RunStatus.Interrupted, Error = null, Test = null, History = [], BestEpoch = null }).Save(Path.Combine(run, RunFiles.Manifest));

        RunReportResult result = RunReport.Write(run);

        Assert.Null(result.CurvesPath);
        Assert.False(File.Exists(Path.Combine(run, RunReport.CurvesFileName)));
        Assert.Contains("no curve to draw", result.Markdown);
        Assert.Contains("stopped before it finished", result.Markdown);
    }

    [Fact]
    public void TryRecord_OfAModelOutsideARun_WritesNothing()
    {
        string folder = runs.Scratch("standalone");
        string model = Path.Combine(folder, RunFiles.ModelFolder);
        Directory.CreateDirectory(model);
        var evaluation = new EvaluationReport(10, 0.5, 0.5, 0.5, 0.1, 0.1, 0.1, model);

        Assert.Null(RunReport.TryRecord(evaluation));
        Assert.Empty(Directory.EnumerateFiles(folder));
    }
}

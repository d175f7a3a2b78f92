using System.Management.Automation;
using VaeToolkit.Configuration;
using VaeToolkit.Inference;
using VaeToolkit.Metrics;
using VaeToolkit.Orchestration.Baselines;
using VaeToolkit.Orchestration.Reports;
using VaeToolkit.Runs;
using VaeToolkit.PowerShell.Completion;

namespace VaeToolkit.PowerShell;

/// <summary>
/// Test-VaeModel: scores a model directory's test users through ONNX Runtime and reports NDCG@100,
/// Recall@20 and Recall@50 (and the metrics -Metric or the run's evaluation.metrics select) next to the popularity
/// baseline. Takes run or model directories, also from
/// the pipeline (Invoke-VaeTraining's result, Get-ChildItem); a model that cannot be opened is an error
/// for that path and the others are still evaluated.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "VaeModel", DefaultParameterSetName = PathSet)]
[OutputType(typeof(VaeModelEvaluation))]
public sealed class TestVaeModelCommand : RunFolderCommandBase
{

    private readonly CancellationTokenSource stopping = new();

    /// <summary>cpu, cuda or cuda:N: where ONNX Runtime scores.</summary>
    [Parameter]
    [ValidatePattern(DevicePattern.Value)]
    [ArgumentCompleter(typeof(DeviceCompleter))]
    public string Device { get; set; } = "cpu";

    /// <summary>Users scored per ONNX Runtime call: 1000 unless given on the CPU, a GPU-sized batch on CUDA.</summary>
    [Parameter]
    [ValidateRange(1, SettingRanges.MaxBatchSize)]
    public int BatchSize { get; set; } = ModelEvaluator.DefaultBatchSize;

    /// <summary>Leaves out the EASE baseline (fitted on the model's training users, which costs seconds to minutes).</summary>
    [Parameter]
    public SwitchParameter NoBaseline { get; set; }

    /// <summary>Metrics to report in Metrics, such as precision@10, mrr@100 (instead of the run's evaluation.metrics).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Metric { get; set; } = [];

    private IReadOnlyList<RankingMetric>? metrics;

    protected override void BeginProcessing()
    {
        if (Metric.Length == 0) return;
        try
        {
            metrics = RankingMetric.ParseList(Metric);
        }
        catch (FormatException e)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-Metric: {e.Message}", nameof(Metric), e), ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, Metric));
        }
    }

    protected override void StopProcessing() => stopping.Cancel();

    protected override void ProcessFolder(string directory)
    {
        string activity = $"Evaluating {directory}";
        using var worker = new PipelineWorker();
        try
        {
            ModelBundle bundle = ModelBundle.Open(directory);
            var scored = worker.Report<int>(users => WriteProgress(new ProgressRecord(1, activity, $"{users}/{bundle.Test.Count} test users scored")
            {
                PercentComplete = users * 100 / Math.Max(1, bundle.Test.Count),
            }));
            var selected = metrics ?? RunMetrics.Of(bundle.Directory);
            int batchSize = MyInvocation.BoundParameters.ContainsKey(nameof(BatchSize))
                ? BatchSize
                : ScoringBatchSize.For(Device, bundle.Card.ItemCount, ModelEvaluator.DefaultBatchSize);
            var report = worker.Run(token => ModelEvaluator.Evaluate(bundle, Device, batchSize, scored, token, selected), stopping.Token);
            if (!NoBaseline)
            {
                WriteProgress(new ProgressRecord(1, activity, "Fitting the EASE baseline on the model's training users"));
                report = worker.Run(token => EaseBaseline.AddTo(report, bundle, Device, Math.Min(batchSize, 500), token, selected), stopping.Token);
                if (report.EaseBaselineNote is string note) WriteVerbose(note);
            }
            if (RunReport.TryRecord(report) is string reportProblem) WriteWarning(reportProblem); // a run's evaluation.json and report.md
            WriteObject(VaeModelEvaluation.From(report));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (Exception e) when (EngineErrors.IsExpected(e))
        {
            // One error for this path; the other paths are still evaluated.
            WriteVerbose(EngineErrors.Details(e));
            WriteError(EngineErrors.ToErrorRecord(e, directory));
        }
        finally
        {
            if (!stopping.IsCancellationRequested)
                WriteProgress(new ProgressRecord(1, activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }
}

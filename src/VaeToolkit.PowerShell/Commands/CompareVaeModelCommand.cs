using System.Management.Automation;
using VaeToolkit.Orchestration.Runs;

namespace VaeToolkit.PowerShell;

/// <summary>
/// Compare-VaeModel: training runs on the same data and split side by side (<see cref="RunComparison"/>),
/// from the test evaluation each run's manifest recorded: one object per run, best NDCG@100 first. Takes run
/// directories (also a run's model folder, or a model directory without a run, which is then evaluated),
/// also from the pipeline (Get-ChildItem, Invoke-VaeTraining's result). A path that is not an evaluated run
/// is an error for that path and the others are still compared; runs on different data or splits stop the
/// command (a terminating error naming them), since their scores average over different test users.
/// </summary>
[Cmdlet(VerbsData.Compare, "VaeModel", DefaultParameterSetName = PathSet)]
[OutputType(typeof(VaeComparedRun))]
public sealed class CompareVaeModelCommand : RunFolderCommandBase
{

    private readonly CancellationTokenSource stopping = new();
    private readonly List<ComparedRun> runs = [];

    protected override void EndProcessing()
    {
        if (runs.Count == 0) return; // every path was an error, already written
        RunComparisonReport report;
        try
        {
            report = RunComparison.Compare(runs);
        }
        catch (RunsNotComparableException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, ErrorIds.RunsNotComparable, ErrorCategory.InvalidData, e.Groups.SelectMany(group => group).ToArray()));
            return;
        }
        for (int i = 0; i < report.Runs.Count; i++)
            WriteObject(VaeComparedRun.From(report.Runs[i], i + 1));
    }

    protected override void StopProcessing() => stopping.Cancel();

    protected override void ProcessFolder(string directory)
    {
        try
        {
            runs.Add(RunComparison.Load(directory, new VerboseLog(this), stopping.Token));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (RunNotEvaluatedException e)
        {
            // One error for this run; the others are still compared.
            WriteError(new ErrorRecord(e, ErrorIds.RunNotEvaluated, ErrorCategory.InvalidData, e.Directory));
        }
        catch (Exception e) when (EngineErrors.IsExpected(e))
        {
            WriteVerbose(EngineErrors.Details(e));
            WriteError(EngineErrors.ToErrorRecord(e, directory));
        }
    }

    /// <summary>The engine's notes (a model directory being evaluated) on the verbose stream; the engine runs on the pipeline thread.</summary>
    private sealed class VerboseLog(Cmdlet cmdlet) : IProgress<string>
    {
        public void Report(string value) => cmdlet.WriteVerbose(value);
    }
}

using System.Management.Automation;
using VaeToolkit.Configuration;
using VaeToolkit.Orchestration.Benchmarks;
using VaeToolkit.PowerShell.Completion;

namespace VaeToolkit.PowerShell;

/// <summary>
/// Measure-VaeScoring: times scoring alone on a model's known users, through ONNX Runtime and, in the
/// same run, through a dense libtorch forward pass of the same weights, and reports both with their ratio.
/// </summary>
[Cmdlet(VerbsDiagnostic.Measure, "VaeScoring")]
[OutputType(typeof(ScoringBenchmarkReport))]
public sealed class MeasureVaeScoringCommand : PSCmdlet
{
    private readonly CancellationTokenSource stopping = new();

    /// <summary>The run or model directory; binds ModelPath, RunPath and FullName from the pipeline.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [Alias("ModelPath", "RunPath", "FullName")]
    [ArgumentCompleter(typeof(ModelFolderCompleter))]
    public string Path { get; set; } = "";

    /// <summary>Users scored (the model's known users, repeated as needed).</summary>
    [Parameter]
    [ValidateRange(1, 100_000_000)]
    public int Users { get; set; } = 10_000;

    /// <summary>Items recommended per user.</summary>
    [Parameter]
    [ValidateRange(1, SettingRanges.MaxTop)]
    public int Top { get; set; } = 100;

    /// <summary>Users per call of each engine: 1000 unless given on the CPU, a GPU-sized batch on CUDA.</summary>
    [Parameter]
    [ValidateRange(1, SettingRanges.MaxBatchSize)]
    public int BatchSize { get; set; } = ScoringBenchmark.CpuBatchSize;

    /// <summary>cpu, cuda or cuda:N: where ONNX Runtime and libtorch score.</summary>
    [Parameter]
    [ValidatePattern(DevicePattern.Value)]
    [ArgumentCompleter(typeof(DeviceCompleter))]
    public string Device { get; set; } = "cpu";

    /// <summary>Also time ONNX Runtime through IOBinding (page-locked host memory on CUDA), beside its plain run.</summary>
    [Parameter]
    public SwitchParameter IoBinding { get; set; }

    protected override void ProcessRecord()
    {
        if (!FileSystemPaths.TryResolve(SessionState.Path, Path, literal: false, out var directories, out ErrorRecord? error))
        {
            WriteError(error);
            return;
        }
        int? batchSize = MyInvocation.BoundParameters.ContainsKey(nameof(BatchSize)) ? BatchSize : null;
        foreach (string directory in directories)
        {
            using var worker = new PipelineWorker();
            var log = worker.Report<string>(WriteVerbose);
            try
            {
                WriteObject(worker.Run(token => ScoringBenchmark.Run(directory, Users, Top, batchSize, Device, log, token, IoBinding), stopping.Token));
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
            catch (Exception e) when (EngineErrors.IsExpected(e))
            {
                WriteVerbose(EngineErrors.Details(e));
                WriteError(EngineErrors.ToErrorRecord(e, directory));
            }
        }
    }

    protected override void StopProcessing() => stopping.Cancel();
}

using System.Management.Automation;
using VaeToolkit.Orchestration.Reports;

namespace VaeToolkit.PowerShell;

/// <summary>
/// Show-VaeRun: writes a run's report again from its files (<see cref="RunReport"/>: report.md and curves.png
/// in the run folder) and returns its Markdown, or with -Open opens report.md with the system's default app as
/// Invoke-Item does. Takes run directories (or a run's model folder), also from the pipeline (Invoke-VaeTraining's
/// result, Get-ChildItem); a path that is not a run is an error for that path and the others are still shown.
/// </summary>
[Cmdlet(VerbsCommon.Show, "VaeRun", DefaultParameterSetName = PathSet, SupportsShouldProcess = true)]
[OutputType(typeof(string))]
public sealed class ShowVaeRunCommand : RunFolderCommandBase
{

    /// <summary>The error id of a report that was written but could not be opened (no desktop, no default app).</summary>
    public const string ReportNotOpened = "ReportNotOpened";

    /// <summary>Opens report.md with the system's default app instead of returning its text.</summary>
    [Parameter]
    public SwitchParameter Open { get; set; }

    protected override void ProcessFolder(string directory)
    {
        RunReportResult report;
        try
        {
            string run = RunReport.ResolveRunDirectory(directory);
            if (!ShouldProcess(run, $"Write {RunReport.FileName} and {RunReport.CurvesFileName}")) return;
            report = RunReport.Write(run);
        }
        catch (Exception e) when (EngineErrors.IsExpected(e))
        {
            WriteVerbose(EngineErrors.Details(e));
            WriteError(EngineErrors.ToErrorRecord(e, directory));
            return;
        }
        if (!Open)
        {
            WriteObject(report.Markdown);
            return;
        }
        if (ReportViewer.CannotOpen(report.ReportPath) is string reason)
        {
            WriteError(new ErrorRecord(new InvalidOperationException(reason), ReportNotOpened, ErrorCategory.ResourceUnavailable, report.ReportPath));
            return;
        }
        try
        {
            InvokeProvider.Item.Invoke([report.ReportPath], true); // Invoke-Item -LiteralPath
        }
        catch (Exception e) when (e is ProviderInvocationException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            WriteError(new ErrorRecord(new InvalidOperationException($"cannot open '{report.ReportPath}' with a default app: {e.Message}", e),
                ReportNotOpened, ErrorCategory.ResourceUnavailable, report.ReportPath));
        }
    }
}

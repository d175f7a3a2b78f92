using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using PowerShellPipeline = System.Management.Automation.PowerShell;

namespace VaeToolkit.PowerShell;

/// <summary>
/// What -AsJob returns: the cmdlet run again, without -AsJob, in a runspace of its own on another thread of
/// this process (as ThreadJob does). The job's streams are that pipeline's streams, so Receive-Job gives the
/// very objects the cmdlet wrote (not deserialized copies), its progress, warnings and errors; Stop-Job stops
/// the pipeline as Ctrl+C does, so training ends after its current batch and keeps its checkpoint.
/// </summary>
public sealed class CmdletJob : Job
{
    public const string TypeName = "VaeToolkitJob";

    private readonly PowerShellPipeline shell;

    private CmdletJob(string command, PowerShellPipeline shell) : base(command)
    {
        this.shell = shell;
        PSJobTypeName = TypeName;
        shell.Streams.Error = Error;
        shell.Streams.Progress = Progress;
        shell.Streams.Verbose = Verbose;
        shell.Streams.Warning = Warning;
        shell.Streams.Debug = Debug;
        shell.Streams.Information = Information;
        shell.InvocationStateChanged += OnInvocationStateChanged;
    }

    /// <summary>
    /// Starts <paramref name="cmdletType"/> as <paramref name="cmdletName"/> with <paramref name="parameters"/> in a new
    /// runspace whose current location is <paramref name="location"/> (paths the caller resolved on its own drives
    /// must be passed as file-system paths: the new runspace has only the default drives).
    /// </summary>
    internal static CmdletJob Start(string command, string cmdletName, Type cmdletType, IDictionary parameters, string location)
    {
        var state = InitialSessionState.CreateDefault2();
        state.Commands.Add(new SessionStateCmdletEntry(cmdletName, cmdletType, helpFileName: null));
        var runspace = RunspaceFactory.CreateRunspace(state);
        runspace.Open();
        runspace.SessionStateProxy.Path.SetLocation(WildcardPattern.Escape(location));
        var shell = PowerShellPipeline.Create();
        shell.Runspace = runspace;
        shell.AddCommand(cmdletName).AddParameters(parameters);
        var job = new CmdletJob(command, shell);
        job.SetJobState(JobState.Running);
        var input = new PSDataCollection<PSObject>();
        input.Complete();
        shell.BeginInvoke(input, job.Output);
        return job;
    }

    public override bool HasMoreData =>
        Output.Count > 0 || Error.Count > 0 || Progress.Count > 0 || Verbose.Count > 0 || Warning.Count > 0 || Debug.Count > 0 || Information.Count > 0;

    public override string Location => Environment.MachineName;

    public override string StatusMessage => "";

    /// <summary>Stop-Job: stops the pipeline (the cmdlet's StopProcessing) and returns once it has ended.</summary>
    public override void StopJob()
    {
        if (!IsFinished(JobStateInfo.State)) shell.Stop();
    }

    private void OnInvocationStateChanged(object? sender, PSInvocationStateChangedEventArgs e)
    {
        switch (e.InvocationStateInfo.State)
        {
            case PSInvocationState.Completed:
                SetJobState(JobState.Completed);
                break;
            case PSInvocationState.Stopped:
                SetJobState(JobState.Stopped);
                break;
            case PSInvocationState.Failed:
                // A terminating error (ThrowTerminatingError) ends the pipeline: it reaches Receive-Job as an error.
                var reason = e.InvocationStateInfo.Reason;
                Error.Add(reason is IContainsErrorRecord { ErrorRecord: { } record }
                    ? new ErrorRecord(record, reason)
                    : new ErrorRecord(reason, "JobFailed", ErrorCategory.OperationStopped, Command));
                SetJobState(JobState.Failed);
                break;
        }
    }

    private static bool IsFinished(JobState state) => state is JobState.Completed or JobState.Failed or JobState.Stopped;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            shell.InvocationStateChanged -= OnInvocationStateChanged;
            var runspace = shell.Runspace;
            shell.Dispose();
            runspace?.Dispose();
        }
        base.Dispose(disposing);
    }
}

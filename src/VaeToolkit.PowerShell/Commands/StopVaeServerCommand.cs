using System.Management.Automation;

namespace VaeToolkit.PowerShell;

/// <summary>
/// Stop-VaeServer: stops services that Start-VaeServer started. The service stops listening, answers the
/// requests in flight and exits; one still running after -TimeoutSec is killed, with a warning.
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "VaeServer", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class StopVaeServerCommand : PSCmdlet
{
    /// <summary>What Start-VaeServer returned.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public VaeServer[] Server { get; set; } = [];

    /// <summary>How long to wait for in-flight requests before killing the process.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int TimeoutSec { get; set; } = 30;

    protected override void ProcessRecord()
    {
        foreach (var server in Server)
        {
            if (!ShouldProcess($"{server.Url} (process {server.ProcessId})", "Stop the recommendation service")) continue;
            if (!server.Host.Stop(TimeSpan.FromSeconds(TimeoutSec)))
                WriteWarning($"The service at {server.Url} (process {server.ProcessId}) did not stop within {TimeoutSec} s and was killed.");
            else
                WriteVerbose($"The service at {server.Url} stopped with exit code {server.Process.ExitCode}.");
        }
    }
}

using System.Management.Automation;
using VaeToolkit.PowerShell.Completion;

namespace VaeToolkit.PowerShell;

/// <summary>
/// Start-VaeServer: starts the recommendation service on a model (or on the serving link that
/// scripts/Update-VaeModel.ps1 promotes into, which it then follows) as a background process, waits
/// until its model is ready, and returns a handle for Invoke-RestMethod (<c>.Url</c>) and Stop-VaeServer.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "VaeServer")]
[OutputType(typeof(VaeServer))]
public sealed class StartVaeServerCommand : PSCmdlet
{
    private readonly CancellationTokenSource stop = new();

    /// <summary>A model directory, a run directory, or a serving link (followed: promotions are loaded without a restart).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("ModelPath")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ModelFolderCompleter))]
    public string Path { get; set; } = "";

    /// <summary>Where to listen; port 0 takes a free port (the handle's Url says which). Loopback unless told otherwise.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Url { get; set; } = "http://127.0.0.1:8080";

    /// <summary>cpu, cuda or cuda:N: where ONNX Runtime scores.</summary>
    [Parameter]
    [ValidatePattern(DevicePattern.Value)]
    [ArgumentCompleter(typeof(DeviceCompleter))]
    public string Device { get; set; } = "cpu";

    /// <summary>When given, /v1 requests need it in the X-Api-Key header (passed to the service by environment, not command line).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ApiKey { get; set; }

    /// <summary>More service options, as `vaetoolkit serve` takes them (for example '--max-k', '500').</summary>
    [Parameter]
    public string[] ArgumentList { get; set; } = [];

    /// <summary>The service's log; by default a new file in the temp folder.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LogPath { get; set; }

    /// <summary>How long to wait for the service to listen and its model to load.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int TimeoutSec { get; set; } = 120;

    protected override void ProcessRecord()
    {
        if (!FileSystemPaths.TryUnresolved(SessionState.Path, Path, out string? model, out ErrorRecord? error)
            || !FileSystemPaths.TryUnresolved(SessionState.Path, LogPath ?? System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"vaetoolkit-serve-{Guid.NewGuid():N}.log"), out string? log, out error))
        {
            ThrowTerminatingError(error);
            return;
        }
        if (!Directory.Exists(model))
        {
            ThrowTerminatingError(new ErrorRecord(new DirectoryNotFoundException($"Cannot find the model directory '{model}'."), ErrorIds.PathNotFound, ErrorCategory.ObjectNotFound, model));
            return;
        }
        WriteVerbose($"Starting the service on {model} at {Url}; log: {log}");
        try
        {
            var server = ServerProcess.Start(model, ["--urls", Url, "--device", Device, .. ArgumentList], ApiKey, log, TimeSpan.FromSeconds(TimeoutSec), stop.Token);
            WriteObject(server);
        }
        catch (OperationCanceledException)
        {
            throw new PipelineStoppedException();
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            WriteVerbose(EngineErrors.Details(e));
            ThrowTerminatingError(new ErrorRecord(e, ErrorIds.ServerFailed, ErrorCategory.OpenError, model));
        }
    }

    protected override void StopProcessing() => stop.Cancel();
}

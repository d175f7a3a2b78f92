using System.Management.Automation;
using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.Inference;
using VaeToolkit.Runs;
using VaeToolkit.Training;
using VaeToolkit.Training.Runs;

namespace VaeToolkit.PowerShell;

/// <summary>
/// Turns the exceptions the engines throw for bad input into error records with a constant id, a real
/// category and the path or id they are about. Anything else is a bug and is left to propagate.
/// </summary>
internal static class EngineErrors
{
    public static bool IsExpected(Exception e) =>
        e is ConfigException or DataFormatException or DatasetDownloadException or DatasetSourceNotFoundException or ModelBundleException or ExecutionProviderException
            or IOException or InvalidDataException or UnauthorizedAccessException or InvalidOperationException;

    /// <param name="target">What the call was about, used when the exception names nothing more precise.</param>
    public static ErrorRecord ToErrorRecord(Exception e, object? target) => e switch
    {
        ConfigException { Code: ConfigErrorCodes.MissingFile } c => new(c, ErrorIds.ConfigNotFound, ErrorCategory.ObjectNotFound, c.File ?? target),
        ConfigException c => new(c, ErrorIds.InvalidConfig, ErrorCategory.InvalidData, c.File ?? target),
        DataFormatException d => new(d, ErrorIds.InvalidData, ErrorCategory.InvalidData, d.File),
        InvalidDataException => new(e, ErrorIds.InvalidData, ErrorCategory.InvalidData, target),
        DatasetDownloadException d => new(d, ErrorIds.DatasetUnavailable, ErrorCategory.ResourceUnavailable, d.ManualPath),
        DatasetSourceNotFoundException d => new(d, ErrorIds.DataNotFound, ErrorCategory.ObjectNotFound, d.Dataset),
        ModelBundleException { MissingFiles.Count: > 0 } m => new(m, ErrorIds.ModelIncomplete, ErrorCategory.ObjectNotFound, m.Directory),
        ModelBundleException m => new(m, ErrorIds.InvalidModel, ErrorCategory.InvalidData, m.Directory),
        ExecutionProviderException x => new(x, ErrorIds.DeviceUnavailable, ErrorCategory.ResourceUnavailable, x.Device),
        DeviceUnavailableException d => new(d, ErrorIds.DeviceUnavailable, ErrorCategory.ResourceUnavailable, d.Device),
        RunInUseException r => new(r, ErrorIds.RunInUse, ErrorCategory.ResourceBusy, r.Directory),
        ResumeMismatchException r => new(r, ErrorIds.ResumeRefused, ErrorCategory.InvalidArgument, r.Checkpoint),
        RunDirectoryNotEmptyException r => new(r, ErrorIds.RunDirectoryNotEmpty, ErrorCategory.ResourceExists, r.Directory),
        CheckpointNotFoundException c => new(c, ErrorIds.CheckpointNotFound, ErrorCategory.ObjectNotFound, c.Directory),
        FileNotFoundException f => new(f, ErrorIds.DataNotFound, ErrorCategory.ObjectNotFound, f.FileName ?? target),
        DirectoryNotFoundException => new(e, ErrorIds.DataNotFound, ErrorCategory.ObjectNotFound, target),
        UnauthorizedAccessException => new(e, ErrorIds.FileAccessFailed, ErrorCategory.PermissionDenied, target),
        IOException => new(e, ErrorIds.FileAccessFailed, ErrorCategory.WriteError, target),
        _ => new(e, ErrorIds.OperationFailed, ErrorCategory.InvalidOperation, target),
    };
}

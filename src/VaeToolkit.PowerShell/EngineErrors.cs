using System.Management.Automation;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.Data.Sources;
using VaeToolkit.Inference;
using VaeToolkit.Orchestration.Runs;
using VaeToolkit.Runs;
using VaeToolkit.Training;

namespace VaeToolkit.PowerShell;

/// <summary>
/// Turns the exceptions the engines throw for bad input, and those of the native libraries beneath them
/// (ONNX Runtime, libtorch, Parquet) and of resources running out, into error records with a constant
/// id, a real category and the path or id they are about. Anything else is a bug and is left to propagate.
/// </summary>
internal static class EngineErrors
{
    public static bool IsExpected(Exception e) =>
        e is ConfigException or DataFormatException or DatasetDownloadException or DatasetSourceNotFoundException or ModelBundleException or ExecutionProviderException
            or IOException or InvalidDataException or UnauthorizedAccessException or InvalidOperationException or ArgumentException or FormatException
            or OnnxRuntimeException or ExternalException or OverflowException or OutOfMemoryException or NotSupportedException
        || IsParquet(e);

    /// <param name="target">What the call was about, used when the exception names nothing more precise.</param>
    /// <remarks>
    /// The record's message is the exception's first line (libtorch appends its C++ stack trace to its
    /// messages); the cmdlets write the whole exception to the verbose stream.
    /// </remarks>
    public static ErrorRecord ToErrorRecord(Exception e, object? target)
    {
        ErrorRecord record = Record(e, target);
        int end = e.Message.AsSpan().IndexOfAny('\r', '\n');
        if (end >= 0) record.ErrorDetails = new ErrorDetails(e.Message[..end].TrimEnd() + " (more with -Verbose)");
        return record;
    }

    /// <summary>The exception with its stack trace, for the cmdlet's verbose stream.</summary>
    public static string Details(Exception e) => $"Details of the error: {e}";

    private static bool IsParquet(Exception e) => e.GetType().Namespace?.StartsWith("Parquet", StringComparison.Ordinal) == true;

    private static ErrorRecord Record(Exception e, object? target) => e switch
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
        OnnxRuntimeException => new(e, ErrorIds.InferenceFailed, ErrorCategory.InvalidOperation, target),
        OutOfMemoryException => new(e, ErrorIds.OutOfMemory, ErrorCategory.ResourceUnavailable, target),
        ExternalException => new(e, ErrorIds.NativeLibraryFailed, ErrorCategory.InvalidOperation, target),
        OverflowException or FormatException => new(e, ErrorIds.InvalidData, ErrorCategory.InvalidData, target),
        _ when IsParquet(e) => new(e, ErrorIds.InvalidData, ErrorCategory.InvalidData, target),
        ArgumentException => new(e, ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, target),
        NotSupportedException => new(e, ErrorIds.OperationFailed, ErrorCategory.NotImplemented, target), // what a model type cannot do (user embeddings of EASE)
        IOException => new(e, ErrorIds.FileAccessFailed, ErrorCategory.WriteError, target),
        _ => new(e, ErrorIds.OperationFailed, ErrorCategory.InvalidOperation, target),
    };
}

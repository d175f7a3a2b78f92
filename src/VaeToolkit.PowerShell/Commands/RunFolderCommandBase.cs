using System.Management.Automation;
using VaeToolkit.PowerShell.Completion;

namespace VaeToolkit.PowerShell;

/// <summary>
/// A cmdlet over run or model folders: <c>-Path</c> (wildcards) or <c>-LiteralPath</c> (as typed, bound from
/// the pipeline by RunPath, ModelPath or FullName). Each folder that resolves is handed to
/// <see cref="ProcessFolder"/>; a path that does not resolve is an error for that path alone.
/// </summary>
public abstract class RunFolderCommandBase : PSCmdlet
{
    public const string PathSet = "Path";
    public const string LiteralPathSet = "LiteralPath";

    /// <summary>Run or model directories; wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ModelFolderCompleter))]
    public string[] Path { get; set; } = [];

    /// <summary>Run or model directories, taken as typed; binds RunPath, ModelPath and FullName from the pipeline.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [Alias("PSPath", "RunPath", "ModelPath", "FullName")]
    [ArgumentCompleter(typeof(ModelFolderCompleter))]
    public string[] LiteralPath { get; set; } = [];

    protected override void ProcessRecord()
    {
        bool literal = ParameterSetName == LiteralPathSet;
        foreach (string path in literal ? LiteralPath : Path)
        {
            if (!FileSystemPaths.TryResolve(SessionState.Path, path, literal, out var directories, out ErrorRecord? error))
            {
                WriteError(error);
                continue;
            }
            foreach (string directory in directories)
                ProcessFolder(directory);
        }
    }

    /// <summary>One resolved run or model directory.</summary>
    protected abstract void ProcessFolder(string directory);
}

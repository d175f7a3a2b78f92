namespace VaeToolkit.Orchestration.Runs;

/// <summary>A new run was pointed at a folder that already holds files (an earlier run's, perhaps).</summary>
public sealed class RunDirectoryNotEmptyException(string directory)
    : IOException($"'{directory}' already holds files: choose another output path, or continue that run with resume")
{
    public string Directory { get; } = directory;
}

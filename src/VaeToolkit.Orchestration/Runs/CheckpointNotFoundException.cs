namespace VaeToolkit.Orchestration.Runs;

/// <summary>A run was to be resumed from a folder that holds no checkpoint.</summary>
public sealed class CheckpointNotFoundException(string directory, string checkpoint)
    : FileNotFoundException($"cannot resume '{directory}': it holds no checkpoint ({checkpoint} is missing)", checkpoint)
{
    public string Directory { get; } = directory;
}

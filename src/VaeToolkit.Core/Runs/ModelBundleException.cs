namespace VaeToolkit.Runs;

/// <summary>A model directory that cannot be served: missing, incomplete, unreadable or inconsistent.</summary>
public sealed class ModelBundleException : Exception
{
    public ModelBundleException(string directory, string message, IReadOnlyList<string>? missingFiles = null, Exception? inner = null)
        : base(message, inner)
    {
        Directory = directory;
        MissingFiles = missingFiles ?? [];
    }

    /// <summary>The model directory (or the path given, when no directory was found there).</summary>
    public string Directory { get; }

    /// <summary>The files of <see cref="ModelFiles.Required"/> that are not there.</summary>
    public IReadOnlyList<string> MissingFiles { get; }
}

namespace VaeToolkit.Data.Sources;

/// <summary>
/// A named data set that has no public download (Netflix, Last.fm, Pinterest) is not where it was looked
/// for. The message names the files expected and every folder searched.
/// </summary>
public sealed class DatasetSourceNotFoundException : Exception
{
    public DatasetSourceNotFoundException(string dataset, IReadOnlyList<string> expectedFiles, IReadOnlyList<string> folders)
        : base($"{dataset} was not found: expected {string.Join(" or ", expectedFiles)} in {(folders.Count == 1 ? "" : "one of ")}{string.Join(", ", folders)}. " +
               $"{dataset} has no public download: get it from its publisher, put the files there, or point data.path (--source) at their folder.")
    {
        Dataset = dataset;
        ExpectedFiles = expectedFiles;
        Folders = folders;
    }

    public string Dataset { get; }

    /// <summary>The files (or file patterns) that make up the data set, relative to its folder.</summary>
    public IReadOnlyList<string> ExpectedFiles { get; }

    /// <summary>The folders that were searched, in order.</summary>
    public IReadOnlyList<string> Folders { get; }
}

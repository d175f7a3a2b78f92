namespace VaeToolkit.Data.Sources;

/// <summary>
/// A named data set is on disk nowhere and could not be downloaded. The message names the URL and the
/// exact path where <c>ratings.csv</c> can be put by hand.
/// </summary>
public sealed class DatasetDownloadException : Exception
{
    public DatasetDownloadException(string message, Uri url, string manualPath, Exception? inner = null)
        : base(message, inner)
    {
        Url = url;
        ManualPath = manualPath;
    }

    public Uri Url { get; }

    /// <summary>Where the data set's <c>ratings.csv</c> is looked for first.</summary>
    public string ManualPath { get; }
}

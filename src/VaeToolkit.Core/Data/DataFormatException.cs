namespace VaeToolkit.Data;

/// <summary>
/// Interactions that cannot be prepared: a malformed line (with its 1-based <see cref="Line"/>), or data
/// that the configured filters and split leave nothing usable of (<see cref="Line"/> is 0). The message
/// reads like a compiler message: <c>/data/ratings.csv(12): rating 'x' in column 'rating' is not a number</c>.
/// </summary>
public sealed class DataFormatException : Exception
{
    public DataFormatException(string file, long line, string reason)
        : base(line > 0 ? $"{file}({line}): {reason}" : $"{file}: {reason}")
    {
        File = file;
        Line = line;
        Reason = reason;
    }

    /// <summary>The file (or synthetic source) the data came from.</summary>
    public string File { get; }

    /// <summary>The 1-based line that is wrong, or 0 when the problem is not one line.</summary>
    public long Line { get; }

    /// <summary>The message without the location prefix.</summary>
    public string Reason { get; }
}

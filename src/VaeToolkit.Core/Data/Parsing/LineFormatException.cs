namespace VaeToolkit.Data.Parsing;

/// <summary>A malformed line, thrown by a <see cref="LineParser"/>; the reader adds the file and the line number.</summary>
internal sealed class LineFormatException(string reason) : Exception(reason);

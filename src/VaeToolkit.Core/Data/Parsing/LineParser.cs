using System.Text;

namespace VaeToolkit.Data.Parsing;

/// <summary>Reads the lines of one kind of interactions file into <see cref="SegmentRows"/>. One instance serves every worker, so it holds no per-segment state.</summary>
internal abstract class LineParser
{
    /// <summary>The encoding of the file, which its non-numeric ids must be valid in.</summary>
    public abstract Encoding Encoding { get; }

    /// <summary>Whether a segment of the file may start at this line. Netflix files must be cut at <c>movieId:</c> lines.</summary>
    public virtual bool StartsSegment(ReadOnlySpan<byte> line) => true;

    /// <summary>Reads one non-blank line (without its line end); throws <see cref="LineFormatException"/> when it is malformed.</summary>
    public abstract void Read(ReadOnlySpan<byte> line, SegmentRows rows);
}

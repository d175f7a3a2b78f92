namespace VaeToolkit.Data.Parsing;

/// <summary>
/// Splits one line of a delimited file into fields without allocating per field. A field that starts
/// with a double quote may hold delimiters, and <c>""</c> inside it stands for one quote (RFC 4180);
/// a quoted field cannot span lines. Formats that never quote (MovieLens <c>::</c> and <c>|</c> files) turn
/// quoting off, so that a title starting with a quote stays as it is. One instance is reused for every line.
/// </summary>
internal sealed class DelimitedLine(string delimiter, bool quoted = true)
{
    public DelimitedLine(char delimiter)
        : this(delimiter.ToString())
    {
    }

    private Range[] _fields = new Range[8];
    private char[] _unquoted = new char[256];
    private string _line = "";
    private bool _fromUnquoted;

    public int Count { get; private set; }

    /// <summary>Field <paramref name="index"/> of the last line split, without surrounding spaces.</summary>
    public ReadOnlySpan<char> this[int index] =>
        (_fromUnquoted ? _unquoted.AsSpan() : _line.AsSpan())[_fields[index]].Trim();

    /// <summary>Splits <paramref name="line"/>; false when a quoted field is not closed.</summary>
    public bool Split(string line)
    {
        _line = line;
        Count = 0;
        _fromUnquoted = quoted && delimiter.Length == 1 && line.Contains('"');
        return _fromUnquoted ? SplitQuoted(line) : SplitPlain(line);
    }

    private bool SplitPlain(string line)
    {
        int start = 0;
        while (true)
        {
            int end = line.IndexOf(delimiter, start, StringComparison.Ordinal);
            if (end < 0)
            {
                AddField(start..line.Length);
                return true;
            }
            AddField(start..end);
            start = end + delimiter.Length;
        }
    }

    // Copies the line with quotes removed into _unquoted; field ranges point into that copy.
    private bool SplitQuoted(string line)
    {
        if (_unquoted.Length < line.Length) _unquoted = new char[line.Length * 2];
        int written = 0;
        int i = 0;
        while (true)
        {
            int start = written;
            bool quoted = i < line.Length && line[i] == '"';
            if (quoted)
            {
                i++;
                while (true)
                {
                    if (i >= line.Length) return false;
                    char c = line[i++];
                    if (c != '"') _unquoted[written++] = c;
                    else if (i < line.Length && line[i] == '"') _unquoted[written++] = line[i++];
                    else break;
                }
            }
            // Text after a closing quote, or a whole unquoted field, runs to the next delimiter.
            while (i < line.Length && line[i] != delimiter[0]) _unquoted[written++] = line[i++];
            AddField(start..written);
            if (i >= line.Length) return true;
            i++;
        }
    }

    private void AddField(Range range)
    {
        if (Count == _fields.Length) Array.Resize(ref _fields, Count * 2);
        _fields[Count++] = range;
    }
}

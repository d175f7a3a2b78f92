using System.Text;

namespace VaeToolkit.Tests.Fuzz;

/// <summary>
/// Seeded mutations of a text input: truncation, random bytes, byte order marks, line ends, quotes, huge
/// numbers, very long lines, empty files, invalid UTF-8, shuffled and repeated lines. The same seed gives the
/// same input, so that a failure can be replayed.
/// </summary>
internal static class TextMutator
{
    private static readonly string[] Numbers =
    [
        "99999999999999999999999", "2147483648", "-2147483649", "9223372036854775808", "-1", "0", "1e309", "-1e309", "1e-400",
        "NaN", "Infinity", "-0", "0x1F", "1_000", "1,5", "٣", "1.2.3", "+", "-", ".", "e5", "00000000001",
    ];

    private static readonly string[] Fragments =
    [
        "\"", "\"\"", "\",\"", ",", "\t", "::", ";", "|", "\r", "\n", "\r\n", "\0", " ", ":", "\\", "'", "#", "- ", "{", "}", "[", "]", "&a", "*a", "!!int ",
        "~", "null", "\u00e9", "\ufeff", "\u2028", "\ud83d\ude00",
    ];

    /// <summary>One to three mutations of <paramref name="seed"/>, and what they were (for the failure report).</summary>
    public static (byte[] Input, string Description) Mutate(byte[] seed, Random random)
    {
        byte[] input = seed;
        var applied = new List<string>();
        int count = 1 + random.Next(3);
        for (int i = 0; i < count; i++)
        {
            var (mutated, description) = MutateOnce(input, random);
            input = mutated;
            applied.Add(description);
        }
        return (input, string.Join(" + ", applied));
    }

    private static (byte[], string) MutateOnce(byte[] input, Random random)
    {
        int at = random.Next(input.Length + 1);
        switch (random.Next(15))
        {
            case 0:
                return (input[..at], $"truncate at {at}");
            case 1:
            {
                byte[] copy = [.. input];
                int flips = 1 + random.Next(4);
                for (int i = 0; i < flips && copy.Length > 0; i++) copy[random.Next(copy.Length)] = (byte)random.Next(256);
                return (copy, $"{flips} random bytes");
            }
            case 2:
            {
                var bytes = new byte[1 + random.Next(16)];
                random.NextBytes(bytes);
                return (Insert(input, at, bytes), $"insert {bytes.Length} random bytes at {at}");
            }
            case 3:
            {
                byte[][] marks = [[0xEF, 0xBB, 0xBF], [0xFF, 0xFE], [0xFE, 0xFF], [0xEF, 0xBB]];
                int which = random.Next(marks.Length);
                return (Insert(input, 0, marks[which]), $"byte order mark {which}");
            }
            case 4:
                return random.Next(3) switch
                {
                    0 => (Replace(input, "\n", "\r\n"), "CRLF"),
                    1 => (Replace(input, "\n", "\r"), "CR only"),
                    _ => (Replace(input, "\n", "\n\n  \n"), "blank lines"),
                };
            case 5:
            {
                string fragment = Fragments[random.Next(Fragments.Length)];
                return (Insert(input, at, Encoding.UTF8.GetBytes(fragment)), $"insert {Escape(fragment)} at {at}");
            }
            case 6:
                return HugeNumber(input, random);
            case 7:
            {
                int length = random.Next(4) == 0 ? 1 << 20 : 1 + random.Next(100_000);
                char filler = "x9,\"\t "[random.Next(6)];
                int lineStart = LineStart(input, at);
                return (Insert(input, lineStart, Encoding.UTF8.GetBytes(new string(filler, length) + "\n")), $"line of {length} '{Escape(filler.ToString())}' at {lineStart}");
            }
            case 8:
                return ([], "empty");
            case 9:
            {
                byte[][] invalid = [[0xC3], [0xFF], [0xE9], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF4, 0x90, 0x80, 0x80]];
                int which = random.Next(invalid.Length);
                return (Insert(input, at, invalid[which]), $"invalid UTF-8 {which} at {at}");
            }
            case 10:
            {
                var lines = Lines(input);
                if (lines.Count == 0) return (input, "no lines to repeat");
                int line = random.Next(lines.Count);
                int times = 1 + random.Next(50);
                lines.InsertRange(line, Enumerable.Repeat(lines[line], times));
                return (Join(lines), $"repeat line {line} {times} times");
            }
            case 11:
            {
                var lines = Lines(input);
                if (lines.Count < 2) return (input, "no lines to swap");
                int a = random.Next(lines.Count), b = random.Next(lines.Count);
                (lines[a], lines[b]) = (lines[b], lines[a]);
                return (Join(lines), $"swap lines {a} and {b}");
            }
            case 12:
            {
                var lines = Lines(input);
                if (lines.Count == 0) return (input, "no lines to delete");
                int line = random.Next(lines.Count);
                lines.RemoveAt(line);
                return (Join(lines), $"delete line {line}");
            }
            case 13:
            {
                // Delete a byte range: joins fields and lines.
                int length = Math.Min(input.Length - Math.Min(at, input.Length), 1 + random.Next(8));
                return ([.. input[..at], .. input[(at + length)..]], $"delete {length} bytes at {at}");
            }
            default:
            {
                byte[] copy = [.. input];
                byte[] separators = [(byte)',', (byte)'\t', (byte)':', (byte)'\n', (byte)'"', (byte)' '];
                byte from = separators[random.Next(separators.Length)], to = separators[random.Next(separators.Length)];
                for (int i = 0; i < copy.Length; i++)
                    if (copy[i] == from && random.Next(3) == 0) copy[i] = to;
                return (copy, $"some '{Escape(((char)from).ToString())}' to '{Escape(((char)to).ToString())}'");
            }
        }
    }

    private static (byte[], string) HugeNumber(byte[] input, Random random)
    {
        // Replace the digit run at or after a random position.
        int start = random.Next(input.Length + 1);
        while (start < input.Length && !char.IsAsciiDigit((char)input[start])) start++;
        if (start >= input.Length) start = random.Next(input.Length + 1);
        int end = start;
        while (end < input.Length && (char.IsAsciiDigit((char)input[end]) || input[end] == (byte)'.')) end++;
        string number = Numbers[random.Next(Numbers.Length)];
        return ([.. input[..start], .. Encoding.UTF8.GetBytes(number), .. input[end..]], $"number {number} at {start}");
    }

    private static byte[] Insert(byte[] input, int at, byte[] bytes) => [.. input[..at], .. bytes, .. input[at..]];

    private static byte[] Replace(byte[] input, string from, string to) =>
        Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(input).Replace(from, to, StringComparison.Ordinal));

    private static int LineStart(byte[] input, int at)
    {
        while (at > 0 && input[at - 1] != (byte)'\n') at--;
        return at;
    }

    private static List<byte[]> Lines(byte[] input)
    {
        var lines = new List<byte[]>();
        int start = 0;
        for (int i = 0; i <= input.Length; i++)
        {
            if (i < input.Length && input[i] != (byte)'\n') continue;
            if (i > start || i < input.Length) lines.Add(input[start..i]);
            start = i + 1;
        }
        return lines;
    }

    private static byte[] Join(List<byte[]> lines) => [.. lines.SelectMany(line => line.Append((byte)'\n'))];

    public static string Escape(string text) =>
        string.Concat(text.Select(c => c is >= ' ' and < '\u007f' ? c.ToString() : $"\\u{(int)c:x4}"));
}

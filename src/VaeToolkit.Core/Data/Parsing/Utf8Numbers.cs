using System.Globalization;
using System.Runtime.CompilerServices;

namespace VaeToolkit.Data.Parsing;

/// <summary>Parses the fields of interaction files straight from their bytes.</summary>
internal static class Utf8Numbers
{
    private static readonly int EpochDay = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    private static readonly double[] PowersOfTen = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

    /// <summary>The field without surrounding spaces, tabs and carriage returns.</summary>
    /// <remarks>Hand-written: the framework's Trim with a set of bytes searches the set for every byte it looks at.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> field) =>
        field.IsEmpty || (!IsSpace(field[0]) && !IsSpace(field[^1])) ? field : TrimSlow(field);

    private static ReadOnlySpan<byte> TrimSlow(ReadOnlySpan<byte> field)
    {
        int start = 0;
        while (start < field.Length && IsSpace(field[start])) start++;
        int end = field.Length;
        while (end > start && IsSpace(field[end - 1])) end--;
        return field[start..end];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r';

    public static bool IsBlank(ReadOnlySpan<byte> line) => line.IsEmpty || (IsSpace(line[0]) && TrimSlow(line).IsEmpty);

    /// <summary>
    /// A finite number. Ratings such as <c>4</c> or <c>3.5</c> take a fast path that is exact (an integer
    /// below 2^53 divided by an exact power of ten rounds once, as a full parser would); anything else goes
    /// to the framework's parser.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryParseNumber(ReadOnlySpan<byte> text, out double value)
    {
        long mantissa = 0;
        int digits = 0;
        int decimals = -1;
        foreach (byte b in text)
        {
            uint digit = (uint)(b - '0');
            if (digit <= 9)
            {
                mantissa = mantissa * 10 + digit;
                digits++;
                if (decimals >= 0) decimals++;
            }
            else if (b == '.' && decimals < 0) decimals = 0;
            else goto Slow;
        }
        if (digits is > 0 and <= 15 && decimals <= 15)
        {
            value = decimals > 0 ? mantissa / PowersOfTen[decimals] : mantissa;
            return true;
        }
    Slow:
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
    }

    /// <summary>A time as Unix seconds: an integer, a <c>yyyy-MM-dd</c> date (as Netflix writes them) or any ISO 8601 time, read as UTC.</summary>
    public static bool TryParseTime(ReadOnlySpan<byte> text, out long seconds)
    {
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out seconds)) return true;
        if (text.Length == 10 && text[4] == '-' && text[7] == '-'
            && TryDigits(text[..4], out int year) && TryDigits(text[5..7], out int month) && TryDigits(text[8..], out int day)
            && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(Math.Max(year, 1), month) && year >= 1)
        {
            seconds = (new DateOnly(year, month, day).DayNumber - EpochDay) * 86400L;
            return true;
        }
        Span<char> chars = stackalloc char[64];
        if (text.Length <= chars.Length && System.Text.Encoding.UTF8.TryGetChars(text, chars, out int written)
            && DateTimeOffset.TryParse(chars[..written], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            seconds = time.ToUnixTimeSeconds();
            return true;
        }
        seconds = 0;
        return false;
    }

    private static bool TryDigits(ReadOnlySpan<byte> text, out int value)
    {
        value = 0;
        foreach (byte b in text)
        {
            uint digit = (uint)(b - '0');
            if (digit > 9) return false;
            value = value * 10 + (int)digit;
        }
        return true;
    }
}

using System.Text;
using System.Text.Unicode;

namespace VaeToolkit.Configuration;

/// <summary>
/// The text encodings <c>data.encoding</c> may name: UTF-8, Latin-1 and the other encodings .NET knows
/// (with the Windows code pages) in which every character of a delimiter or a line end is its ASCII byte,
/// so that the byte parsers can split lines. Ids are checked against the encoding, never replaced: two
/// malformed ids must not both become U+FFFD and merge.
/// </summary>
public static class TextEncodings
{
    static TextEncodings() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public const string Expected = "utf-8, latin-1 (iso-8859-1) or another single-byte encoding such as windows-1252";

    /// <summary>The encoding named <paramref name="name"/>, or null when it is unknown or cannot be read byte by byte.</summary>
    public static Encoding? Find(string name)
    {
        if (name.Equals("latin-1", StringComparison.OrdinalIgnoreCase) || name.Equals("latin1", StringComparison.OrdinalIgnoreCase)) return Encoding.Latin1;
        Encoding encoding;
        try
        {
            encoding = Encoding.GetEncoding(name);
        }
        catch (ArgumentException)
        {
            return null;
        }
        if (encoding.CodePage == Encoding.UTF8.CodePage) return Encoding.UTF8;
        return encoding.IsSingleByte && encoding.GetString("\t\n\r,;:|\"0123456789"u8) == "\t\n\r,;:|\"0123456789" ? encoding : null;
    }

    /// <summary>Whether <paramref name="bytes"/> is well-formed text in <paramref name="encoding"/>.</summary>
    public static bool IsValid(Encoding encoding, ReadOnlySpan<byte> bytes)
    {
        if (encoding.CodePage == Encoding.UTF8.CodePage) return Utf8.IsValid(bytes);
        if (encoding.CodePage == Encoding.Latin1.CodePage) return true;
        try
        {
            Strict(encoding).GetCharCount(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>The 0-based index of the first line of <paramref name="bytes"/> that is not valid in <paramref name="encoding"/>, or -1.</summary>
    public static long FirstInvalidLine(Encoding encoding, ReadOnlySpan<byte> bytes)
    {
        long line = 0;
        while (true)
        {
            int end = bytes.IndexOf((byte)'\n');
            if (!IsValid(encoding, end < 0 ? bytes : bytes[..end])) return line;
            if (end < 0) return -1;
            bytes = bytes[(end + 1)..];
            line++;
        }
    }

    /// <summary>How errors show bytes that may not be text: printable ASCII as is, every other byte as <c>\xNN</c>.</summary>
    public static string Escape(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length);
        foreach (byte b in bytes.Length > 200 ? bytes[..200] : bytes)
            text.Append(b is >= 0x20 and < 0x7F ? (char)b : $"\\x{b:X2}");
        if (bytes.Length > 200) text.Append("...");
        return text.ToString();
    }

    /// <summary><paramref name="encoding"/> with a decoder that throws on malformed bytes.</summary>
    public static Encoding Strict(Encoding encoding) =>
        Encoding.GetEncoding(encoding.CodePage, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);

    /// <summary>The name errors give the encoding: <c>UTF-8</c>, <c>iso-8859-1</c>.</summary>
    public static string NameOf(Encoding encoding) => encoding.CodePage == Encoding.UTF8.CodePage ? "UTF-8" : encoding.WebName;
}

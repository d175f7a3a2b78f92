using System.Globalization;
using System.Text;

namespace VaeToolkit.Inference.Batch;

/// <summary>
/// Builds CSV lines as UTF-8 bytes in one buffer and writes it to a stream when full: batch outputs have
/// hundreds of millions of fields, so nothing is allocated per field.
/// </summary>
internal sealed class Utf8CsvBuffer(Stream stream)
{
    private readonly byte[] buffer = new byte[1 << 20];
    private int used;

    /// <summary>A field quoted as RFC 4180 asks (when it holds a comma, quote or line break), as UTF-8.</summary>
    public static byte[] Field(string text) =>
        Encoding.UTF8.GetBytes(text.AsSpan().IndexOfAny(",\"\r\n") < 0 ? text : $"\"{text.Replace("\"", "\"\"")}\"");

    public void Append(ReadOnlySpan<byte> bytes)
    {
        Reserve(bytes.Length);
        bytes.CopyTo(buffer.AsSpan(used));
        used += bytes.Length;
    }

    public void Append(byte character)
    {
        Reserve(1);
        buffer[used++] = character;
    }

    public void Append(int value)
    {
        Reserve(11);
        value.TryFormat(buffer.AsSpan(used), out int written, provider: CultureInfo.InvariantCulture);
        used += written;
    }

    /// <summary>The shortest text that reads back as the same float.</summary>
    public void Append(float value)
    {
        Reserve(16);
        value.TryFormat(buffer.AsSpan(used), out int written, provider: CultureInfo.InvariantCulture);
        used += written;
    }

    public void Flush()
    {
        stream.Write(buffer, 0, used);
        used = 0;
    }

    private void Reserve(int bytes)
    {
        if (used + bytes > buffer.Length) Flush();
        if (bytes > buffer.Length) throw new ArgumentException($"a field of {bytes} bytes is longer than the CSV buffer", nameof(bytes));
    }
}

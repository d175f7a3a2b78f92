using System.Buffers.Binary;
using SkiaSharp;

namespace VaeToolkit.Tests.Reports;

/// <summary>What a test checks of a PNG: its header read by hand (signature, IHDR), and its pixels decoded with SkiaSharp.</summary>
internal static class PngImage
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Width and height from the IHDR chunk, the first after the signature; throws when the bytes are not a PNG.</summary>
    public static (int Width, int Height) Size(byte[] png)
    {
        Assert.True(png.Length > 33, $"{png.Length} bytes cannot hold a PNG header");
        Assert.Equal(Signature, png[..8]);
        Assert.Equal(13, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(8, 4))); // IHDR's data length
        Assert.Equal("IHDR"u8.ToArray(), png[12..16]);
        return (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4)));
    }

    /// <summary>Pixels of exactly <paramref name="red"/>, <paramref name="green"/>, <paramref name="blue"/> in the decoded image.</summary>
    public static int CountColour(byte[] png, byte red, byte green, byte blue)
    {
        using var bitmap = SKBitmap.Decode(png) ?? throw new InvalidDataException("SkiaSharp cannot decode the PNG");
        int count = 0;
        foreach (SKColor pixel in bitmap.Pixels)
            if (pixel.Red == red && pixel.Green == green && pixel.Blue == blue) count++;
        return count;
    }

    /// <summary>Pixels that are neither white nor near white: what was drawn.</summary>
    public static int CountInk(byte[] png)
    {
        using var bitmap = SKBitmap.Decode(png) ?? throw new InvalidDataException("SkiaSharp cannot decode the PNG");
        return bitmap.Pixels.Count(pixel => pixel.Red < 200 || pixel.Green < 200 || pixel.Blue < 200);
    }
}

using System.Security.Cryptography;

namespace VaeToolkit.IO;

/// <summary>
/// A file whose last 32 bytes are the SHA-256 of everything before them, written atomically. Binary formats
/// read by third-party code (TorchSharp's weights) cannot check their own bytes; this lets a damaged
/// checkpoint be refused with its name instead of loading wrong weights or failing deep in a library.
/// </summary>
public static class ChecksummedFile
{
    private const int HashBytes = 32;

    public static void Write(string path, Action<Stream> write) =>
        AtomicFile.Write(path, stream =>
        {
            using var sha = SHA256.Create();
            using (var hashing = new CryptoStream(stream, sha, CryptoStreamMode.Write, leaveOpen: true))
            {
                write(hashing);
                hashing.FlushFinalBlock();
            }
            stream.Write(sha.Hash);
        });

    /// <summary>Throws <see cref="InvalidDataException"/> naming the file when its bytes do not match their checksum.</summary>
    public static void Verify(string path)
    {
        using var stream = File.OpenRead(path);
        if (stream.Length < HashBytes)
            throw new InvalidDataException($"{path} is truncated ({stream.Length} bytes)");
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        for (long left = stream.Length - HashBytes; left > 0;)
        {
            int read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            sha.AppendData(buffer, 0, read);
            left -= read;
        }
        byte[] actual = sha.GetHashAndReset();
        var expected = new byte[HashBytes];
        stream.Position = stream.Length - HashBytes;
        stream.ReadExactly(expected);
        if (!actual.AsSpan().SequenceEqual(expected))
            throw new InvalidDataException($"{path} is damaged: its bytes do not match the SHA-256 written with them (truncated, or changed on disk)");
    }
}

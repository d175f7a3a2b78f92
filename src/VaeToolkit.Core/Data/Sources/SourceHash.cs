using System.Buffers;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;

namespace VaeToolkit.Data.Sources;

/// <summary>
/// Hashes of source files. <see cref="Contents"/> reads every byte, on every core, for the data hash;
/// <see cref="Fingerprint"/> reads a few samples, for the cache key, so that a cached data set is found
/// without reading its source.
/// </summary>
public static class SourceHash
{
    private const int BlockBytes = 8 << 20;
    private const int SampleBytes = 64 << 10;
    private const int Samples = 16;

    /// <summary>SHA-256 over the SHA-256 of each 8 MiB block of the file: a function of its bytes alone.</summary>
    public static byte[] Contents(string path, CancellationToken cancellationToken)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long size = RandomAccess.GetLength(handle);
        int blocks = (int)((size + BlockBytes - 1) / BlockBytes);
        var blockHashes = new byte[blocks * SHA256.HashSizeInBytes];
        try
        {
            Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken }, block =>
            {
                byte[] buffer = ArrayPool<byte>.Shared.Rent(BlockBytes);
                try
                {
                    long offset = (long)block * BlockBytes;
                    int length = (int)Math.Min(BlockBytes, size - offset);
                    for (int done = 0; done < length;)
                    {
                        int read = RandomAccess.Read(handle, buffer.AsSpan(done, length - done), offset + done);
                        if (read == 0) throw new IOException($"{path} became shorter while it was read");
                        done += read;
                    }
                    SHA256.HashData(buffer.AsSpan(0, length), blockHashes.AsSpan(block * SHA256.HashSizeInBytes, SHA256.HashSizeInBytes));
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
        return SHA256.HashData(blockHashes);
    }

    /// <summary>The full path, size, last write time and a hash of <see cref="Samples"/> samples spread over the file (or of all of a small file), as one line.</summary>
    public static string Fingerprint(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"source file not found: {path}", path);
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long size = RandomAccess.GetLength(handle);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[SampleBytes];
        if (size <= (long)Samples * SampleBytes)
        {
            // A small file (one Netflix movie) is hashed whole, in one pass.
            for (long offset = 0; offset < size;)
            {
                int read = RandomAccess.Read(handle, buffer, offset);
                if (read == 0) break;
                hash.AppendData(buffer, 0, read);
                offset += read;
            }
        }
        else
        {
            for (int i = 0; i < Samples; i++)
            {
                long offset = (size - SampleBytes) * i / (Samples - 1);
                int read = RandomAccess.Read(handle, buffer, offset);
                hash.AppendData(buffer, 0, read);
            }
        }
        return string.Create(CultureInfo.InvariantCulture,
            $"{info.FullName}|{size}|{info.LastWriteTimeUtc.Ticks}|{Convert.ToHexStringLower(hash.GetHashAndReset())}");
    }
}

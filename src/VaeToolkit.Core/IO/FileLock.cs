namespace VaeToolkit.IO;

/// <summary>
/// An exclusive lock between processes (and threads): a lock file held open with <see cref="FileShare.None"/>,
/// which is a sharing violation on Windows and an <c>flock(LOCK_EX)</c> on Unix. The operating system releases
/// it when its holder exits or dies, so a crashed holder never blocks the others. The lock file itself is
/// left in place: deleting it while another process waits on it would let two processes hold it.
/// </summary>
public sealed class FileLock : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    private readonly FileStream _stream;

    private FileLock(FileStream stream) => _stream = stream;

    public string Path => _stream.Name;

    /// <summary>Takes the lock, waiting (and reporting once that it waits) while another process or thread holds it.</summary>
    /// <param name="waiting">Reported once when the lock is held elsewhere, before waiting for it.</param>
    public static FileLock Acquire(string path, IProgress<string>? log = null, string? waiting = null, CancellationToken cancellationToken = default)
    {
        string fullPath = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(fullPath)!);
        bool reported = false;
        while (true)
        {
            if (TryAcquire(fullPath) is { } held) return held;
            if (!reported)
            {
                log?.Report(waiting ?? $"Waiting for the lock {fullPath}, held by another process");
                reported = true;
            }
            cancellationToken.WaitHandle.WaitOne(PollInterval);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>The lock, or null when another process or thread holds it.</summary>
    public static FileLock? TryAcquire(string path)
    {
        try
        {
            return new FileLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1));
        }
        catch (IOException e) when (IsSharingViolation(e))
        {
            return null;
        }
    }

    /// <summary>
    /// Whether an open failed because another handle holds the file: ERROR_SHARING_VIOLATION or ERROR_LOCK_VIOLATION
    /// on Windows; on Unix .NET reports the <c>flock</c> failure with the raw errno EWOULDBLOCK (11 on Linux, 35 on macOS).
    /// </summary>
    public static bool IsSharingViolation(IOException e) =>
        e is not FileNotFoundException and not DirectoryNotFoundException
        && (OperatingSystem.IsWindows() ? (e.HResult & 0xFFFF) is 32 or 33 : e.HResult is 11 or 35);

    public void Dispose() => _stream.Dispose();
}

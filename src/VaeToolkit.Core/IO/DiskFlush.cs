using System.Runtime.InteropServices;

namespace VaeToolkit.IO;

/// <summary>
/// Flushes a folder's entries to the disk. A file's data is flushed with <see cref="FileStream.Flush(bool)"/>;
/// on Linux and macOS the names in a folder (a new file, a rename into it) are durable only once the folder
/// itself is fsync'ed, which .NET has no call for. Windows has no such call for folders and needs none
/// (NTFS journals its metadata), so there it does nothing.
/// </summary>
public static partial class DiskFlush
{
    private const int ReadOnly = 0;          // O_RDONLY on Linux and macOS: a folder opens read-only
    private const int InvalidArgument = 22;  // EINVAL: the file system cannot fsync folders (some FUSE and network ones)

    public static void Directory(string path)
    {
        if (OperatingSystem.IsWindows()) return;
        int fd = Open(path, ReadOnly);
        if (fd < 0) throw new IOException($"cannot open the folder {path} to flush it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (Fsync(fd) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != InvalidArgument)
                throw new IOException($"cannot flush the folder {path} to disk (errno {errno})");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}

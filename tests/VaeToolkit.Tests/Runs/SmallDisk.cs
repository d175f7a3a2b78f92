using System.Diagnostics;

namespace VaeToolkit.Tests.Runs;

/// <summary>
/// A small tmpfs mounted for a test (root on Linux only), to fill up or to make read-only: real ENOSPC and
/// EROFS errors instead of simulated ones. <see cref="TryMount"/> gives null where mounting is not allowed.
/// </summary>
internal sealed class SmallDisk : IDisposable
{
    private SmallDisk(string path) => Path = path;

    public string Path { get; }

    public static SmallDisk? TryMount(int megabytes)
    {
        if (!OperatingSystem.IsLinux()) return null;
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"vaetoolkit-disk-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        if (Run("mount", "-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", path) == 0) return new SmallDisk(path);
        Directory.Delete(path);
        return null;
    }

    /// <summary>Writes a filler file until the disk is full but for <paramref name="leaveBytes"/>; delete it to free the space again.</summary>
    public string Fill(long leaveBytes = 0)
    {
        string filler = System.IO.Path.Combine(Path, $"filler-{Guid.NewGuid():N}");
        var chunk = new byte[64 << 10];
        using var stream = new FileStream(filler, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough);
        try
        {
            while (true) stream.Write(chunk);
        }
        catch (IOException)
        {
            // ENOSPC: full
        }
        stream.SetLength(Math.Max(0, stream.Length - leaveBytes));
        return filler;
    }

    public void SetReadOnly(bool readOnly) =>
        Assert.Equal(0, Run("mount", "-o", readOnly ? "remount,ro" : "remount,rw", Path));

    public void Dispose()
    {
        Run("umount", "-l", Path);
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }

    private static int Run(string file, params string[] args)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            process.WaitForExit();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1; // no such program
        }
    }
}

using System.Text.Json;
using VaeToolkit.IO;

namespace VaeToolkit.Orchestration.Runs;

/// <summary>
/// Ownership of a run directory for the whole of a run: a <see cref="FileLock"/> on <see cref="LockFileName"/>
/// (released by the OS when the process dies, even by kill -9; the file stays, as a deleted lock file could
/// be held twice) and the owner's identity beside it in <see cref="OwnerFileName"/>, so a second writer, in
/// this process or another, gets an error that names the folder and who holds it.
/// </summary>
public sealed class RunLock : IDisposable
{
    public const string LockFileName = ".vaetoolkit.lock";
    public const string OwnerFileName = ".vaetoolkit.owner.json";

    private readonly FileLock _lock;

    private RunLock(string directory, FileLock handle, bool createdDirectory)
    {
        Directory = directory;
        _lock = handle;
        CreatedDirectory = createdDirectory;
    }

    public string Directory { get; }

    /// <summary>Whether acquiring created the directory (a failed start then removes it again).</summary>
    public bool CreatedDirectory { get; }

    /// <summary>Creates the directory if needed and takes its lock.</summary>
    /// <exception cref="RunInUseException">Another training holds it.</exception>
    public static RunLock Acquire(string directory)
    {
        directory = Path.GetFullPath(directory);
        bool created = !System.IO.Directory.Exists(directory);
        System.IO.Directory.CreateDirectory(directory);
        return TryAcquire(directory, created) ?? throw new RunInUseException(directory, LiveOwner(directory));
    }

    /// <summary>
    /// The holder's record: it writes it a moment after taking the lock, and until then the file may be
    /// missing or a dead process's, so a live owner is waited for briefly; null if none shows.
    /// </summary>
    private static RunOwner? LiveOwner(string directory)
    {
        for (int attempt = 0; attempt < 20; attempt++)
        {
            if (ReadOwner(directory) is { } owner && owner.IsAlive()) return owner;
            Thread.Sleep(50);
        }
        return null;
    }

    /// <summary>Takes the lock of an existing directory, or returns null when another holds it.</summary>
    public static RunLock? TryAcquire(string directory, bool createdDirectory = false)
    {
        FileLock? handle;
        try
        {
            handle = FileLock.TryAcquire(Path.Combine(directory, LockFileName));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot write to the run folder '{directory}': {e.Message}", e);
        }
        if (handle is null) return null; // held by another open handle, in this process or another
        var runLock = new RunLock(directory, handle, createdDirectory);
        try
        {
            AtomicFile.WriteAllText(Path.Combine(directory, OwnerFileName), JsonSerializer.Serialize(RunOwner.Current(), RunManifest.Json));
        }
        catch
        {
            runLock.Dispose();
            throw;
        }
        return runLock;
    }

    /// <summary>
    /// Deletes the temporary files and staging folders (<see cref="AtomicFile"/>'s, <see cref="AtomicDirectory"/>'s)
    /// that a killed process left anywhere in the directory; they can be as large as a checkpoint. Only the
    /// lock's holder may: no one else writes there.
    /// </summary>
    public int RemoveStaleTemporaryFiles()
    {
        int removed = 0;
        foreach (string folder in System.IO.Directory.GetDirectories(Directory, "*", SearchOption.AllDirectories).Where(AtomicFile.IsTemporary))
        {
            if (!System.IO.Directory.Exists(folder)) continue; // inside one deleted already
            System.IO.Directory.Delete(folder, recursive: true);
            removed++;
        }
        foreach (string file in System.IO.Directory.EnumerateFiles(Directory, "*", SearchOption.AllDirectories).Where(AtomicFile.IsTemporary).ToList())
        {
            File.Delete(file);
            removed++;
        }
        return removed;
    }

    /// <summary>The owner recorded in <paramref name="directory"/>, or null.</summary>
    public static RunOwner? ReadOwner(string directory)
    {
        try
        {
            return JsonSerializer.Deserialize<RunOwner>(File.ReadAllText(Path.Combine(directory, OwnerFileName)), RunManifest.Json);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether a file of the directory is part of the ownership machinery (or a leftover temporary file),
    /// not of the run: a new run accepts a folder that holds only these.
    /// </summary>
    public static bool IsBookkeeping(string path)
    {
        string name = Path.GetFileName(path);
        return name is LockFileName or OwnerFileName || AtomicFile.IsTemporary(path);
    }

    /// <summary>Gives up the directory: the owner file goes, then the lock.</summary>
    public void Dispose()
    {
        try
        {
            File.Delete(Path.Combine(Directory, OwnerFileName));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only or vanished folder: the stale owner file reads as a dead owner.
        }
        _lock.Dispose();
    }
}

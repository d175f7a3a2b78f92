namespace VaeToolkit.IO;

/// <summary>
/// Replaces a folder by one written beside it, so that a failure while writing (a full disk, a kill)
/// never leaves a mix of old and new files where the old folder was. Writing happens in
/// <see cref="StagingPath"/>; the swap is two renames, and a crash between them is undone by
/// <see cref="Recover"/>, which puts the previous folder back.
/// </summary>
public static class AtomicDirectory
{
    private const string PreviousMarker = ".previous-";

    /// <summary>A fresh staging folder name beside <paramref name="target"/> (an <see cref="AtomicFile.IsTemporary"/> name).</summary>
    public static string StagingPath(string target) => AtomicFile.TemporaryPath(Path.GetFullPath(target));

    /// <summary>Writes a folder through <paramref name="write"/> into a staging folder, then swaps it in for <paramref name="target"/>.</summary>
    public static void Write(string target, Action<string> write)
    {
        target = Path.GetFullPath(target);
        string staging = StagingPath(target);
        try
        {
            write(staging);
            Replace(staging, target);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>Moves <paramref name="staging"/> to <paramref name="target"/>; the folder it replaces is deleted.</summary>
    public static void Replace(string staging, string target)
    {
        string previous = $"{target}{PreviousMarker}{Guid.NewGuid():N}";
        bool hadPrevious = Directory.Exists(target);
        if (hadPrevious) Directory.Move(target, previous);
        FailPoint.Check("swap:" + Path.GetFileName(target));
        Directory.Move(staging, target);
        if (hadPrevious) Directory.Delete(previous, recursive: true);
    }

    /// <summary>
    /// Undoes an interrupted <see cref="Replace"/>: a missing <paramref name="target"/> gets its previous
    /// folder back; previous folders of a completed swap are deleted. Returns whether anything was done.
    /// </summary>
    public static bool Recover(string target)
    {
        target = Path.GetFullPath(target);
        string? parent = Path.GetDirectoryName(target);
        if (parent is null || !Directory.Exists(parent)) return false;
        var previous = Directory.GetDirectories(parent, Path.GetFileName(target) + PreviousMarker + "*");
        if (previous.Length == 0) return false;
        if (!Directory.Exists(target)) Directory.Move(previous[0], target);
        foreach (string leftover in previous.Where(Directory.Exists)) Directory.Delete(leftover, recursive: true);
        return true;
    }
}

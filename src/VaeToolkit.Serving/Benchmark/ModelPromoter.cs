using System.Runtime.InteropServices;
using VaeToolkit.Runs;

namespace VaeToolkit.Serving.Benchmark;

/// <summary>
/// A serving folder laid out as scripts/Update-VaeModel.ps1 lays it out (<c>current</c> a relative link
/// into <c>current.versions/</c>), with promotions done its way: a complete version folder, a new link
/// beside <c>current</c>, then one rename(2) over it. A version's files are links to the model's files:
/// a new folder, hence a new model to the service, without copying gigabytes.
/// </summary>
internal sealed class ModelPromoter : IDisposable
{
    private readonly string modelDirectory;
    private readonly string root;
    private int next;

    public ModelPromoter(string modelPath)
    {
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("promoting under load switches a symbolic link with rename(2), which this benchmark does on Linux and macOS only");
        modelDirectory = ModelBundle.ResolveDirectory(modelPath);
        root = Path.Combine(Path.GetTempPath(), $"vaetoolkit-serve-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(root, "current.versions"));
        Promote();
    }

    /// <summary>The serving link: what the service is started on.</summary>
    public string ServingPath => Path.Combine(root, "current");

    /// <summary>Makes a new version and switches the link to it; returns the version's name.</summary>
    public string Promote()
    {
        string version = $"v{next++:D3}";
        string folder = Path.Combine(root, "current.versions", version);
        string staging = Path.Combine(root, "current.versions", $".staging-{version}");
        Directory.CreateDirectory(staging);
        foreach (string file in Directory.GetFiles(modelDirectory))
            File.CreateSymbolicLink(Path.Combine(staging, Path.GetFileName(file)), file);
        Directory.Move(staging, folder);

        string link = Path.Combine(root, $"current.tmp-{Guid.NewGuid():N}");
        Directory.CreateSymbolicLink(link, Path.Combine("current.versions", version));
        if (Rename(link, ServingPath) != 0)
            throw new IOException($"cannot switch {ServingPath} to {version}: rename failed with errno {Marshal.GetLastPInvokeError()}");
        return version;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(root, recursive: true); // removes the links, never what they point at
        }
        catch (IOException)
        {
        }
    }

    // .NET's moves refuse to replace a link to a folder; rename(2) replaces it in one step. (Unix strings marshal as UTF-8.)
    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int Rename(string from, string to);
}

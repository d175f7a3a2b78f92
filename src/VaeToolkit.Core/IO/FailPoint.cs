using System.Diagnostics;

namespace VaeToolkit.IO;

/// <summary>
/// Crash-test hooks for the kill -9 drill: with <c>VAETOOLKIT_FAILPOINT=name</c> (or <c>name@n</c>) in the
/// environment, the process kills itself with SIGKILL, as <c>kill -9</c> would, the first (n-th) time it
/// passes the named point. Points: <c>write:&lt;file&gt;</c> (an atomic write's temporary file written, not
/// flushed), <c>rename:&lt;file&gt;</c> (flushed, not renamed), <c>swap:&lt;folder&gt;</c> (between the two renames
/// of <see cref="AtomicDirectory.Replace"/>), <c>export</c>, <c>evaluate</c>. Unset, a check
/// is one comparison.
/// </summary>
public static class FailPoint
{
    public const string Variable = "VAETOOLKIT_FAILPOINT";

    private static readonly (string Name, int Hit)? Armed = Parse(Environment.GetEnvironmentVariable(Variable));
    private static int _hits;

    public static void Check(string name)
    {
        if (Armed is not { } armed || armed.Name != name) return;
        if (Interlocked.Increment(ref _hits) != armed.Hit) return;
        Console.Error.WriteLine($"{Variable}: killing the process at '{name}'");
        Console.Error.Flush();
        using var self = Process.GetCurrentProcess();
        self.Kill(); // SIGKILL on Unix: no finally blocks, no flushes, no cleanup
        Thread.Sleep(Timeout.Infinite);
    }

    private static (string, int)? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        int at = value.LastIndexOf('@');
        return at > 0 && int.TryParse(value[(at + 1)..], out int hit) && hit > 0 ? (value[..at], hit) : (value, 1);
    }
}

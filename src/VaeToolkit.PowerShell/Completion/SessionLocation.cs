using System.Management.Automation;

namespace VaeToolkit.PowerShell.Completion;

/// <summary>
/// Resolves a path as typed against the PowerShell location of the session asking for completion (not the
/// process's current directory), as <see cref="FileSystemPaths"/> does for the cmdlets. A completer gets no
/// session state, so it asks the current runspace, on the thread that runs the completion.
/// </summary>
internal static class SessionLocation
{
    /// <summary>The file-system path of <paramref name="path"/> (<c>~</c>, <c>..</c> and relative paths resolved), or null outside the file system.</summary>
    public static string? ProviderPath(string path)
    {
        try
        {
            using var shell = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
            shell.AddScript("param($p) $path = $ExecutionContext.SessionState.Path; if ($path.CurrentLocation.Provider.Name -eq 'FileSystem' -or $p -match '^([A-Za-z]:|[\\\\/~])') { $path.GetUnresolvedProviderPathFromPSPath($p) }")
                .AddArgument(path);
            var results = shell.Invoke();
            return results.Count == 1 && results[0]?.BaseObject is string resolved ? resolved : null;
        }
        catch (Exception e) when (e is RuntimeException or InvalidOperationException)
        {
            return null;
        }
    }
}

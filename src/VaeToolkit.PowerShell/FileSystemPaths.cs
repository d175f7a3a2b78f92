using System.Diagnostics.CodeAnalysis;
using System.Management.Automation;

namespace VaeToolkit.PowerShell;

/// <summary>
/// Resolves the paths a user types, relative to the PowerShell location (not the process's current
/// directory), to file-system paths the engines can open. Failures come back as error records that
/// name the path, for the cmdlet to throw or write.
/// </summary>
internal static class FileSystemPaths
{
    /// <summary>A path that need not exist yet: an output, or an input whose absence the engine reports.</summary>
    public static bool TryUnresolved(PathIntrinsics paths, string path, [NotNullWhen(true)] out string? resolved, [NotNullWhen(false)] out ErrorRecord? error)
    {
        (resolved, error) = (null, null);
        try
        {
            string providerPath = paths.GetUnresolvedProviderPathFromPSPath(path, out ProviderInfo provider, out _);
            if (!IsFileSystem(provider, path, out error)) return false;
            resolved = providerPath;
            return true;
        }
        catch (SessionStateException e)
        {
            error = new ErrorRecord(e, ErrorIds.PathNotFound, ErrorCategory.ObjectNotFound, path);
            return false;
        }
    }

    /// <summary>The existing items that <paramref name="path"/> names, wildcards expanded unless <paramref name="literal"/>.</summary>
    public static bool TryResolve(PathIntrinsics paths, string path, bool literal, [NotNullWhen(true)] out IReadOnlyList<string>? resolved, [NotNullWhen(false)] out ErrorRecord? error)
    {
        resolved = null;
        if (literal)
        {
            if (!TryUnresolved(paths, path, out string? one, out error)) return false;
            resolved = [one];
            return true;
        }
        try
        {
            var matches = paths.GetResolvedProviderPathFromPSPath(path, out ProviderInfo provider);
            if (!IsFileSystem(provider, path, out error)) return false;
            if (matches.Count == 0)
            {
                error = new ErrorRecord(new ItemNotFoundException($"Cannot find path '{path}' because it does not exist."), ErrorIds.PathNotFound, ErrorCategory.ObjectNotFound, path);
                return false;
            }
            resolved = matches;
            return true;
        }
        catch (SessionStateException e)
        {
            error = new ErrorRecord(e, ErrorIds.PathNotFound, ErrorCategory.ObjectNotFound, path);
            return false;
        }
    }

    /// <summary>The one existing directory or file that <paramref name="path"/> names (wildcards allowed when they match one): a model path.</summary>
    public static bool TryResolveOne(PathIntrinsics paths, string path, [NotNullWhen(true)] out string? resolved, [NotNullWhen(false)] out ErrorRecord? error)
    {
        resolved = null;
        if (!TryResolve(paths, path, literal: false, out var matches, out error)) return false;
        if (matches.Count > 1)
        {
            var e = new ArgumentException($"'{path}' matches {matches.Count} items; give one model directory.");
            error = new ErrorRecord(e, ErrorIds.AmbiguousPath, ErrorCategory.InvalidArgument, path);
            return false;
        }
        resolved = matches[0];
        return true;
    }

    private static bool IsFileSystem(ProviderInfo provider, string path, [NotNullWhen(false)] out ErrorRecord? error)
    {
        error = null;
        if (provider.ImplementingType == typeof(Microsoft.PowerShell.Commands.FileSystemProvider)) return true;
        var e = new NotSupportedException($"'{path}' is a {provider.Name} path; VaeToolkit reads and writes file-system paths only.");
        error = new ErrorRecord(e, ErrorIds.NotFileSystemPath, ErrorCategory.InvalidArgument, path);
        return false;
    }
}

using System.Text.RegularExpressions;

namespace VaeToolkit.Tests.Architecture;

/// <summary>
/// A type's namespace says where its file is. In VaeToolkit.Core (root namespace VaeToolkit) the file
/// <c>Data/Parsing/LineParser.cs</c> declares <c>namespace VaeToolkit.Data.Parsing;</c>. Read from the
/// sources, so internal types count as well. In VaeToolkit.Orchestration (root namespace VaeToolkit.Orchestration)
/// <c>Runs/TrainingJob.cs</c> declares <c>namespace VaeToolkit.Orchestration.Runs;</c>.
/// </summary>
public sealed partial class NamespaceTests
{
    [Fact]
    public void CoreNamespaces_MatchTheirFolders() => AssertNamespacesMatchFolders("VaeToolkit.Core", "VaeToolkit", minimumFiles: 50);

    [Fact]
    public void OrchestrationNamespaces_MatchTheirFolders() => AssertNamespacesMatchFolders("VaeToolkit.Orchestration", "VaeToolkit.Orchestration", minimumFiles: 15);

    private static void AssertNamespacesMatchFolders(string projectName, string rootNamespace, int minimumFiles)
    {
        string project = Path.Combine(RepositoryRoot(), "src", projectName);
        var files = SourceFiles(project).ToList();
        Assert.True(files.Count > minimumFiles, $"only {files.Count} source files found under {project}");

        var wrong = new List<string>();
        foreach (string file in files)
        {
            string folder = Path.GetRelativePath(project, Path.GetDirectoryName(file)!);
            string expected = folder == "." ? rootNamespace : rootNamespace + "." + folder.Replace(Path.DirectorySeparatorChar, '.');
            var declared = Namespace().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value).ToList();
            if (declared.Count == 0) declared.Add("(none)");
            foreach (string name in declared.Where(name => name != expected))
                wrong.Add($"{Path.GetRelativePath(project, file)}: namespace {name}, expected {expected}");
        }
        Assert.True(wrong.Count == 0, "namespaces that do not match their folders:" + Environment.NewLine + string.Join(Environment.NewLine, wrong));
    }

    // Build outputs (generated files among them) are no sources.
    private static IEnumerable<string> SourceFiles(string project) =>
        Directory.EnumerateFiles(project, "*.cs", SearchOption.AllDirectories).Where(file =>
        {
            string first = Path.GetRelativePath(project, file).Split(Path.DirectorySeparatorChar)[0];
            return first is not ("bin" or "obj");
        });

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "VaeToolkit.sln"))) return folder.FullName;
        throw new DirectoryNotFoundException($"no VaeToolkit.sln in any folder above {AppContext.BaseDirectory}");
    }

    // File-scoped or block namespace declarations, at the start of a line.
    [GeneratedRegex(@"^\s*namespace\s+([\w.]+)\s*[;{]", RegexOptions.Multiline)]
    private static partial Regex Namespace();
}

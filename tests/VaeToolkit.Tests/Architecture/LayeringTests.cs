using System.Reflection;

namespace VaeToolkit.Tests.Architecture;

/// <summary>
/// The layering of the engine, read from the compiled assemblies: what each one references, followed
/// through the toolkit's own assemblies. A project reference the code does not use leaves no trace in
/// the metadata, so these tests hold what is really loaded, not what the project files list.
/// </summary>
public sealed class LayeringTests
{
    private const string Core = "VaeToolkit.Core";
    private const string Inference = "VaeToolkit.Inference";
    private const string Training = "VaeToolkit.Training";
    private const string Orchestration = "VaeToolkit.Orchestration";
    private const string Serving = "vaetoolkit-serve"; // the AssemblyName of VaeToolkit.Serving.csproj
    private const string Torch = "TorchSharp";
    private const string OnnxRuntime = "Microsoft.ML.OnnxRuntime";
    private const string PowerShell = "System.Management.Automation";

    [Fact]
    public void Inference_NeverReachesTorchSharp() => AssertNeverReaches(Inference, Torch);

    // A serving host's publish output carries ONNX Runtime and no libtorch.
    [Fact]
    public void Serving_NeverReachesTorchSharp() => AssertNeverReaches(Serving, Torch);

    // Using the trainer pulls in no ONNX Runtime: what needs both engines (runs, benchmarks, the EASE
    // baseline of an evaluation) lives in VaeToolkit.Orchestration, above the two.
    [Theory]
    [InlineData(OnnxRuntime)]
    [InlineData(Inference)]
    [InlineData(Orchestration)]
    public void Training_NeverReachesOnnxRuntime(string forbidden) => AssertNeverReaches(Training, forbidden);

    // Orchestration sits above the engines: none of them, nor the service, reaches it.
    [Theory]
    [InlineData(Core)]
    [InlineData(Inference)]
    [InlineData(Serving)]
    public void NothingBelow_ReachesOrchestration(string engine) => AssertNeverReaches(engine, Orchestration);

    // Only the PowerShell module may know PowerShell; the engine is the same for the CLI and the service.
    [Theory]
    [InlineData(Core)]
    [InlineData(Inference)]
    [InlineData(Training)]
    [InlineData(Orchestration)]
    [InlineData(Serving)]
    public void NoEngineAssembly_ReachesPowerShell(string engine) => AssertNeverReaches(engine, PowerShell);

    [Theory]
    [InlineData(Inference)]
    [InlineData(Training)]
    [InlineData(Orchestration)]
    [InlineData(Serving)]
    [InlineData(Torch)]
    [InlineData(OnnxRuntime)]
    public void Core_ReachesNoEngine(string engine) => AssertNeverReaches(Core, engine);

    // The tests above pass trivially if the walk finds nothing; these pairs are reached (the service's
    // ONNX Runtime only through VaeToolkit.Inference).
    [Theory]
    [InlineData(Training, Torch)]
    [InlineData(Training, Core)]
    [InlineData(Serving, OnnxRuntime)]
    [InlineData(Orchestration, Torch)]
    [InlineData(Orchestration, OnnxRuntime)]
    [InlineData("vaetoolkit", Torch)]
    public void TheWalk_FindsWhatIsReached(string from, string to) =>
        Assert.True(PathTo(from, to) is not null, $"{from} should reach {to}; the walk found only: {string.Join(", ", Reached(from).Keys.Order())}");

    private static void AssertNeverReaches(string from, string forbidden)
    {
        var path = PathTo(from, forbidden);
        Assert.True(path is null, $"{from} reaches {forbidden}: {string.Join(" -> ", path ?? [])}");
    }

    /// <summary>The chain of references from <paramref name="from"/> to <paramref name="to"/>, or null when there is none.</summary>
    private static List<string>? PathTo(string from, string to)
    {
        var reachedFrom = Reached(from);
        if (!reachedFrom.ContainsKey(to)) return null;
        var path = new List<string>();
        for (string? name = to; name is not null; name = reachedFrom[name]) path.Insert(0, name);
        return path;
    }

    /// <summary>
    /// Every assembly <paramref name="root"/> reaches, each with the assembly that first referenced it
    /// (null for the root). The toolkit's own assemblies are followed; any other is an end point.
    /// </summary>
    private static Dictionary<string, string?> Reached(string root)
    {
        var referencedBy = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { [root] = null };
        var queue = new Queue<string>([root]);
        while (queue.TryDequeue(out string? name))
        {
            foreach (var reference in Load(name).GetReferencedAssemblies())
            {
                string referenced = reference.Name!;
                if (!referencedBy.TryAdd(referenced, name)) continue;
                if (IsToolkit(referenced)) queue.Enqueue(referenced);
            }
        }
        return referencedBy;
    }

    // The CLI (vaetoolkit) and the service (vaetoolkit-serve) have lower-case assembly names.
    private static bool IsToolkit(string name) => name.StartsWith("VaeToolkit", StringComparison.OrdinalIgnoreCase);

    private static Assembly Load(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, name + ".dll");
        if (!File.Exists(path)) throw new FileNotFoundException($"{name}.dll is not beside the tests in {AppContext.BaseDirectory}", path);
        return Assembly.LoadFrom(path);
    }
}

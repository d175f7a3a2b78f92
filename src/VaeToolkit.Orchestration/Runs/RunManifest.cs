using System.Text.Json;
using System.Text.Json.Serialization;
using VaeToolkit.Inference;
using VaeToolkit.IO;
using VaeToolkit.Training;

namespace VaeToolkit.Orchestration.Runs;

/// <summary>
/// manifest.json of a run directory: what ran (versions, device, data fingerprint), how it went
/// (status, per-epoch history, timings) and what it scored. Rewritten atomically as the run advances.
/// </summary>
public sealed record RunManifest
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public int FormatVersion { get; init; } = 1;

    /// <summary>running, interrupted, failed or completed.</summary>
    public string Status { get; init; } = RunStatus.Running;

    public string? Error { get; init; }

    public required string ConfigFile { get; init; }

    public required RuntimeVersions Versions { get; init; }

    public required string Device { get; init; }

    /// <summary>The device's name, such as "NVIDIA H100 80GB HBM3" or the CPU model.</summary>
    public string? DeviceName { get; init; }

    public string Precision { get; init; } = "fp32";

    public int Gpus { get; init; } = 1;

    public DatasetSummary? Data { get; init; }

    public DateTime StartedUtc { get; init; }

    public DateTime? FinishedUtc { get; init; }

    public Dictionary<string, double> TimingsSeconds { get; init; } = [];

    public int? BestEpoch { get; init; }

    public double? BestValidationNdcgAt100 { get; init; }

    public IReadOnlyList<EpochRecord> History { get; init; } = [];

    /// <summary>
    /// Why training ended (<see cref="TrainingStop"/>): completed (every epoch ran), early_stopping or cancelled;
    /// null while it runs, when it failed, or in manifests written before it was recorded.
    /// </summary>
    public string? StopReason { get; init; }

    /// <summary>The same as a sentence: the last epoch, and for early stopping the patience and the epoch kept.</summary>
    public string? StopDescription { get; init; }

    /// <summary>Test users scored through ONNX Runtime, with the popularity baseline.</summary>
    public EvaluationReport? Test { get; init; }

    /// <summary>The process that runs it, while it runs (null once it has ended).</summary>
    public RunOwner? Owner { get; init; }

    /// <summary>Each time the run was started or resumed, oldest first; <see cref="TimingsSeconds"/> adds them up.</summary>
    public IReadOnlyList<RunSession> Sessions { get; init; } = [];

    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    /// <summary>
    /// Reads a manifest. One that says "running" while its owner process is gone (killed, or the machine
    /// went down) reads as interrupted, with the reason in <see cref="Error"/>.
    /// </summary>
    public static RunManifest Load(string path)
    {
        RunManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<RunManifest>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path}: empty manifest");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a run manifest ({e.Message})", e);
        }
        if (manifest.Status == RunStatus.Running && manifest.Owner is { } owner && !owner.IsAlive())
            return manifest with { Status = RunStatus.Interrupted, Error = $"the training process ({owner}) ended without finishing the run" };
        return manifest;
    }
}

/// <summary>One start or resumption of a run: when, how it ended, which epochs it trained, and its timings.</summary>
public sealed record RunSession
{
    public DateTime StartedUtc { get; init; }

    public DateTime? FinishedUtc { get; init; }

    public string Status { get; init; } = RunStatus.Running;

    public string? Error { get; init; }

    /// <summary>Whether it continued from a checkpoint.</summary>
    public bool Resumed { get; init; }

    /// <summary>The first epoch it trained (one past the checkpoint's when resumed).</summary>
    public int FirstEpoch { get; init; } = 1;

    public Dictionary<string, double> TimingsSeconds { get; init; } = [];
}

public static class RunStatus
{
    public const string Running = "running";
    public const string Interrupted = "interrupted";
    public const string Failed = "failed";
    public const string Completed = "completed";
}

/// <summary>Library and runtime versions a run used.</summary>
public sealed record RuntimeVersions(string Toolkit, string TorchSharp, string OnnxRuntime, string Dotnet, string OperatingSystem)
{
    public static RuntimeVersions Current() => new(
        VersionOf(typeof(RunManifest)),
        VersionOf(typeof(TorchSharp.torch)),
        VersionOf(typeof(Microsoft.ML.OnnxRuntime.InferenceSession)),
        Environment.Version.ToString(),
        System.Runtime.InteropServices.RuntimeInformation.OSDescription);

    private static string VersionOf(Type type) =>
        type.Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion.Split('+')[0]
        ?? type.Assembly.GetName().Version?.ToString() ?? "unknown";
}

/// <summary>The prepared data a run trained on.</summary>
public sealed record DatasetSummary(string Name, string DataHash, int Items, int TrainUsers, long TrainInteractions, int ValidationUsers, int TestUsers);

using System.Text;
using System.Text.Json;
using TorchSharp;
using TorchSharp.Modules;
using VaeToolkit.IO;
using VaeToolkit.Training.Model;

namespace VaeToolkit.Training;

/// <summary>
/// A resumable training state in one file: the progress counters (JSON), the model weights and the
/// optimizer state. Random numbers need no saved state: every epoch reseeds its generator from the
/// config seed and the epoch number, so the epoch counter fixes the stream. Written atomically.
/// </summary>
public sealed record Checkpoint(
    int Epoch,
    long Step,
    int BestEpoch,
    double BestNdcg,
    string ConfigHash,
    IReadOnlyList<EpochRecord> History)
{
    private const string Magic = "VAECKPT1";

    /// <summary>The fp16 loss scaler's state, so that a resumed run scales as the first would have; null otherwise.</summary>
    public LossScalerState? LossScaler { get; init; }

    public void Save(string path, MultVae model, OptimizerHelper optimizer)
    {
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(JsonSerializer.Serialize(this));
            model.save(writer);
            optimizer.save_state_dict(writer);
        });
    }

    /// <summary>Reads the state and loads the weights and optimizer state into the given objects.</summary>
    public static Checkpoint Load(string path, MultVae model, OptimizerHelper optimizer)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no checkpoint to resume from: {path}", path);
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            if (reader.ReadString() != Magic) throw new InvalidDataException($"{path} is not a VaeToolkit checkpoint");
            var state = JsonSerializer.Deserialize<Checkpoint>(reader.ReadString())
                ?? throw new InvalidDataException($"{path}: empty checkpoint state");
            model.load(reader);
            optimizer.load_state_dict(reader);
            return state;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{path}: checkpoint is truncated", e);
        }
    }

    /// <summary>Saves only the model weights (the best epoch's), atomically.</summary>
    public static void SaveWeights(string path, MultVae model) =>
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            model.save(writer);
        });

    public static void LoadWeights(string path, MultVae model)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        model.load(reader);
    }
}

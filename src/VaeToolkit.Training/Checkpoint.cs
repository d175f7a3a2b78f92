using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp;
using TorchSharp.Modules;
using VaeToolkit.IO;
using static TorchSharp.torch;

namespace VaeToolkit.Training;

/// <summary>
/// A resumable training state in one file: the progress counters and what the run must share with a
/// resumption (settings, data hash, item count) as a JSON header, then the weights of the model's modules
/// and the state of its optimizers, each in the order the trainer lists them (Mult-VAE: the model and its
/// Adam; RecVAE: the network, the prior's old encoder, the encoder's and the decoder's Adam), then a
/// SHA-256 of it all, checked before anything is loaded. The header reads on its own (<see cref="ReadState"/>), so a resumption is checked
/// before anything is loaded. Random numbers need no saved state: every epoch reseeds its generator from
/// the config seed and the epoch number, so the epoch counter fixes the stream. Written atomically.
/// </summary>
public sealed record Checkpoint(
    int Epoch,
    long Step,
    int BestEpoch,
    double BestNdcg,
    string ConfigHash,
    IReadOnlyList<EpochRecord> History)
{
    private const string Magic = "VAECKPT2";       // with a SHA-256 trailer (ChecksummedFile)
    private const string UncheckedMagic = "VAECKPT1"; // written before the trailer; still resumable
    private const string BestMagic = "VAEBEST2";

    // A checkpoint written before the first validation has BestNdcg -∞ (and a loss may be NaN): written as
    // "-Infinity"/"NaN", which only such values change; finite numbers are written as they always were.
    private static readonly JsonSerializerOptions HeaderJson = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>The fp16 loss scaler's state, so that a resumed run scales as the first would have; null otherwise.</summary>
    public LossScalerState? LossScaler { get; init; }

    /// <summary>The prepared data's hash (<c>PreparedDataset.DataHash</c>); null in checkpoints written before it was kept.</summary>
    public string? DataHash { get; init; }

    /// <summary>The catalogue size the weights are shaped for.</summary>
    public int? ItemCount { get; init; }

    /// <summary>The settings a resumption must share, as YAML (so that a refusal can name what changed).</summary>
    public string? Settings { get; init; }

    /// <summary>The file name of a checkpoint folder's last checkpoint.</summary>
    public const string LastName = "last.ckpt";

    /// <summary>
    /// The best epoch's weights in a checkpoint folder (<c>best-0007.weights</c>). A new best is written beside
    /// the one the last checkpoint names, which goes only once a checkpoint naming the new one is in place:
    /// whatever moment a run is killed at, its checkpoint's best weights exist.
    /// </summary>
    public static string BestWeightsName(int epoch) => $"best-{epoch:D4}.weights";

    /// <summary>Saves the state with one module and one optimizer (Mult-VAE's layout).</summary>
    public void Save(string path, nn.Module model, OptimizerHelper optimizer) => Save(path, [model], [optimizer]);

    /// <summary>Saves the state, then every module's weights and every optimizer's state, in the order given; atomically.</summary>
    public void Save(string path, IReadOnlyList<nn.Module> modules, IReadOnlyList<OptimizerHelper> optimizers)
    {
        ChecksummedFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(JsonSerializer.Serialize(this, HeaderJson));
            foreach (var module in modules) module.save(writer);
            foreach (var optimizer in optimizers) optimizer.save_state_dict(writer);
        });
    }

    /// <summary>
    /// Reads the header (the counters and what a resumption is checked against), loading nothing; with
    /// <paramref name="verify"/>, checks the whole file's checksum too (it reads every byte once).
    /// </summary>
    public static Checkpoint ReadState(string path, bool verify = true)
    {
        using var stream = OpenExisting(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        var state = ReadHeader(path, reader, out bool checksummed);
        if (verify && checksummed) ChecksummedFile.Verify(path);
        return state;
    }

    /// <summary>
    /// Reads the state and loads the weights and optimizer state into the given objects; with
    /// <paramref name="verify"/>, after checking the file's checksum (one check serves every replica).
    /// </summary>
    public static Checkpoint Load(string path, nn.Module model, OptimizerHelper optimizer, bool verify = true) =>
        Load(path, [model], [optimizer], verify);

    /// <summary>
    /// <see cref="Load(string, nn.Module, OptimizerHelper, bool)"/> for a checkpoint of several modules and
    /// optimizers, given in the order <see cref="Save(string, IReadOnlyList{nn.Module}, IReadOnlyList{OptimizerHelper})"/> wrote them.
    /// </summary>
    public static Checkpoint Load(string path, IReadOnlyList<nn.Module> modules, IReadOnlyList<OptimizerHelper> optimizers, bool verify = true)
    {
        using var stream = OpenExisting(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        var state = ReadHeader(path, reader, out bool checksummed);
        if (verify && checksummed) ChecksummedFile.Verify(path);
        try
        {
            foreach (var module in modules) module.load(reader);
            foreach (var optimizer in optimizers) optimizer.load_state_dict(reader);
            return state;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{path}: checkpoint is truncated", e);
        }
    }

    /// <summary>Saves the best epoch's weights atomically, with a header naming that epoch.</summary>
    public static void SaveWeights(string path, nn.Module model, int epoch) =>
        ChecksummedFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(BestMagic);
            writer.Write(epoch);
            model.save(writer);
        });

    /// <summary>Loads best weights saved by <see cref="SaveWeights"/>, which must be those of <paramref name="epoch"/>.</summary>
    public static void LoadWeights(string path, nn.Module model, int epoch)
    {
        using var stream = OpenExisting(path);
        ChecksummedFile.Verify(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            if (stream.Length < BestMagic.Length + 1 + sizeof(int) || reader.ReadString() != BestMagic)
                throw new InvalidDataException($"{path} is not a VaeToolkit best-weights file (or one written before they recorded their epoch)");
            int saved = reader.ReadInt32();
            if (saved != epoch)
                throw new InvalidDataException($"{path} holds epoch {saved}'s weights, but the checkpoint names epoch {epoch} as the best");
            model.load(reader);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{path}: best weights are truncated", e);
        }
    }

    private static FileStream OpenExisting(string path) =>
        File.Exists(path) ? File.OpenRead(path) : throw new FileNotFoundException($"no checkpoint to resume from: {path}", path);

    private static Checkpoint ReadHeader(string path, BinaryReader reader, out bool checksummed)
    {
        try
        {
            string magic = reader.BaseStream.Length < Magic.Length + 1 ? "" : reader.ReadString();
            if (magic is not (Magic or UncheckedMagic))
                throw new InvalidDataException($"{path} is not a VaeToolkit checkpoint");
            checksummed = magic == Magic;
            return JsonSerializer.Deserialize<Checkpoint>(reader.ReadString(), HeaderJson)
                ?? throw new InvalidDataException($"{path}: empty checkpoint state");
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException or FormatException)
        {
            throw new InvalidDataException($"{path}: checkpoint header is truncated or damaged", e);
        }
    }
}

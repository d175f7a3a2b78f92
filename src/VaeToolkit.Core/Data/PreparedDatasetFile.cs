using System.Text;
using VaeToolkit.IO;

namespace VaeToolkit.Data;

/// <summary>
/// The prepared data cache file (".vprep"): magic "VPRP", format version, the cache key it was written
/// for, the name and data hash, the source row counts, the item ids and names, and the training,
/// validation and test users with their CSR matrices (the <see cref="CsrFile"/> matrix layout).
/// Little-endian; written atomically, so a reader never sees half a file.
/// </summary>
internal static class PreparedDatasetFile
{
    private const int Magic = 0x50525056; // "VPRP"
    private const int Version = 1;

    public static void Save(string path, string key, PreparedDataset dataset, SourceCounts counts) =>
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write(key);
            writer.Write(dataset.Name);
            writer.Write(dataset.DataHash);
            writer.Write(counts.RowsRead);
            writer.Write(counts.Positives);
            WriteStrings(writer, dataset.ItemIds);
            writer.Write(dataset.ItemNames is not null);
            if (dataset.ItemNames is not null) WriteStrings(writer, dataset.ItemNames);
            WriteStrings(writer, dataset.TrainUserIds);
            CsrFile.WriteMatrix(writer, dataset.Train);
            foreach (HeldOutUsers heldOut in new[] { dataset.Validation, dataset.Test })
            {
                WriteStrings(writer, heldOut.UserIds);
                CsrFile.WriteMatrix(writer, heldOut.FoldIn);
                CsrFile.WriteMatrix(writer, heldOut.Targets);
            }
        });

    /// <summary>The cached data set, or null when the file is missing or was written for another key.</summary>
    /// <exception cref="InvalidDataException">The file is corrupt or of another format version.</exception>
    public static (PreparedDataset Dataset, SourceCounts Counts)? TryLoad(string path, string key)
    {
        if (!File.Exists(path)) return null;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            if (reader.ReadInt32() != Magic) throw new InvalidDataException($"{path}: not a VaeToolkit prepared data (.vprep) file");
            if (reader.ReadInt32() is var version && version != Version) throw new InvalidDataException($"{path}: format version {version} is not {Version}");
            if (reader.ReadString() != key) return null;
            string name = reader.ReadString();
            string hash = reader.ReadString();
            var counts = new SourceCounts(reader.ReadInt64(), reader.ReadInt64());
            string[] itemIds = ReadStrings(reader);
            string[]? itemNames = reader.ReadBoolean() ? ReadStrings(reader) : null;
            string[] trainUsers = ReadStrings(reader);
            CsrMatrix train = CsrFile.ReadMatrix(reader, path);
            HeldOutUsers ReadHeldOut() => new(ReadStrings(reader), CsrFile.ReadMatrix(reader, path), CsrFile.ReadMatrix(reader, path));
            HeldOutUsers validation = ReadHeldOut();
            HeldOutUsers test = ReadHeldOut();
            var dataset = new PreparedDataset
            {
                Name = name, DataHash = hash, ItemIds = itemIds, ItemNames = itemNames, TrainUserIds = trainUsers, Train = train, Validation = validation, Test = test,
            };
            return (dataset, counts);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{path}: file is truncated", e);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: corrupt contents ({e.Message})", e);
        }
    }

    private static void WriteStrings(BinaryWriter writer, string[] values)
    {
        writer.Write(values.Length);
        foreach (string value in values) writer.Write(value);
    }

    private static string[] ReadStrings(BinaryReader reader)
    {
        int count = reader.ReadInt32();
        if (count < 0) throw new InvalidDataException("corrupt string table");
        var values = new string[count];
        for (int i = 0; i < count; i++) values[i] = reader.ReadString();
        return values;
    }
}

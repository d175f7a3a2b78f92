using System.Text;
using VaeToolkit.IO;

namespace VaeToolkit.Data.Caching;

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
    /// <exception cref="InvalidDataException">The file is corrupt, truncated or of another format version; the message names the file.</exception>
    public static (PreparedDataset Dataset, SourceCounts Counts)? TryLoad(string path, string key)
    {
        if (!File.Exists(path)) return null;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        return CsrFile.ReadChecked<(PreparedDataset, SourceCounts)?>(path, () =>
        {
            if (reader.ReadInt32() != Magic) throw new InvalidDataException($"{path}: not a VaeToolkit prepared data (.vprep) file");
            if (reader.ReadInt32() is var version && version != Version) throw new InvalidDataException($"{path}: format version {version} is not {Version}");
            if (reader.ReadString() != key) return null;
            string name = reader.ReadString();
            string hash = reader.ReadString();
            var counts = new SourceCounts(reader.ReadInt64(), reader.ReadInt64());
            if (counts.RowsRead < 0 || counts.Positives < 0)
                throw new InvalidDataException($"{path}: corrupt source counts ({counts.RowsRead} rows, {counts.Positives} positives)");
            string[] itemIds = ReadStrings(reader, path, "item ids");
            string[]? itemNames = reader.ReadBoolean() ? ReadStrings(reader, path, "item names") : null;
            string[] trainUsers = ReadStrings(reader, path, "training users");
            CsrMatrix train = CsrFile.ReadMatrix(reader, path);
            HeldOutUsers ReadHeldOut(string what) => new(ReadStrings(reader, path, what), CsrFile.ReadMatrix(reader, path), CsrFile.ReadMatrix(reader, path));
            HeldOutUsers validation = ReadHeldOut("validation users");
            HeldOutUsers test = ReadHeldOut("test users");
            if (stream.Position != stream.Length)
                throw new InvalidDataException($"{path}: {stream.Length - stream.Position} bytes after the test users (damaged file)");
            var dataset = new PreparedDataset
            {
                Name = name, DataHash = hash, ItemIds = itemIds, ItemNames = itemNames, TrainUserIds = trainUsers, Train = train, Validation = validation, Test = test,
            };
            if (Inconsistency(dataset) is string problem) throw new InvalidDataException($"{path}: {problem}");
            return (dataset, counts);
        });
    }

    /// <summary>What does not line up between the parts of a data set read back, or null.</summary>
    private static string? Inconsistency(PreparedDataset dataset)
    {
        if (dataset.ItemNames is { } names && names.Length != dataset.ItemCount)
            return $"{names.Length} item names for {dataset.ItemCount} items";
        if (dataset.TrainUserIds.Length != dataset.Train.RowCount)
            return $"{dataset.TrainUserIds.Length} training user ids for {dataset.Train.RowCount} rows";
        foreach (var (what, users) in new[] { ("validation", dataset.Validation), ("test", dataset.Test) })
        {
            if (users.FoldIn.RowCount != users.Count || users.Targets.RowCount != users.Count)
                return $"{users.Count} {what} user ids for {users.FoldIn.RowCount} fold-in and {users.Targets.RowCount} target rows";
        }
        foreach (var (what, matrix) in new[] { ("training", dataset.Train), ("validation fold-in", dataset.Validation.FoldIn),
                     ("validation targets", dataset.Validation.Targets), ("test fold-in", dataset.Test.FoldIn), ("test targets", dataset.Test.Targets) })
        {
            if (matrix.ColumnCount != dataset.ItemCount)
                return $"the {what} matrix has {matrix.ColumnCount} item columns, the data set {dataset.ItemCount} items";
        }
        return null;
    }

    private static void WriteStrings(BinaryWriter writer, string[] values)
    {
        writer.Write(values.Length);
        foreach (string value in values) writer.Write(value);
    }

    /// <summary>A count, then that many strings; the count is checked against the bytes left (a string takes at least one) before allocating.</summary>
    private static string[] ReadStrings(BinaryReader reader, string path, string what)
    {
        int count = reader.ReadInt32();
        long left = reader.BaseStream.Length - reader.BaseStream.Position;
        if (count < 0 || count > left)
            throw new InvalidDataException($"{path}: corrupt count of {what} ({count}, with {left} bytes left)");
        var values = new string[count];
        for (int i = 0; i < count; i++) values[i] = reader.ReadString();
        return values;
    }
}

using Google.Protobuf;
using Tensorboard;

namespace VaeToolkit.Orchestration.Monitoring;

/// <summary>
/// Reads the scalars back from a folder's TensorBoard event files (TFRecord framing: a little-endian int64
/// length, its masked CRC, the <c>Event</c> protobuf, the protobuf's masked CRC; the Event parser is
/// TorchSharp's). It serves <see cref="TensorBoardLog"/>, which must know what an earlier session of a
/// resumed run logged already. A record cut short (the writer was killed mid-write) ends that file; the
/// CRCs are not checked (TensorBoard does that).
/// </summary>
public static class TensorBoardEventReader
{
    /// <summary>Every scalar in the event files directly in <paramref name="folder"/>, file by file in name order (none when it does not exist).</summary>
    public static IReadOnlyList<TensorBoardScalar> ReadScalars(string folder)
    {
        var scalars = new List<TensorBoardScalar>();
        if (!Directory.Exists(folder)) return scalars;
        foreach (string file in Directory.EnumerateFiles(folder, "events.out.tfevents.*").Order(StringComparer.Ordinal))
            foreach (var e in ReadEvents(file))
                if (e.Summary is { } summary)
                    foreach (var value in summary.Value)
                        if (value.ValueCase == Summary.Types.Value.ValueOneofCase.SimpleValue)
                            scalars.Add(new TensorBoardScalar(value.Tag, e.Step, value.SimpleValue));
        return scalars;
    }

    /// <summary>The events of one file, up to the first incomplete or unreadable record.</summary>
    public static IEnumerable<Event> ReadEvents(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new BinaryReader(stream);
        while (stream.Length - stream.Position >= sizeof(long) + sizeof(uint))
        {
            long length = reader.ReadInt64();
            reader.ReadUInt32(); // the length's CRC
            if (length < 0 || length > stream.Length - stream.Position - sizeof(uint)) yield break;
            byte[] payload = reader.ReadBytes((int)length);
            reader.ReadUInt32(); // the payload's CRC
            Event parsed;
            try
            {
                parsed = Event.Parser.ParseFrom(payload);
            }
            catch (InvalidProtocolBufferException)
            {
                yield break;
            }
            yield return parsed;
        }
    }
}

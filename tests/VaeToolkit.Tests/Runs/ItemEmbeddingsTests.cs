using System.Buffers.Binary;
using System.Text;
using VaeToolkit.Runs;
using VaeToolkit.Tests.Export;
using VaeToolkit.Tests.Inference;
using VaeToolkit.Training.Export;
using VaeToolkit.Training.Model;

namespace VaeToolkit.Tests.Runs;

/// <summary>item_embeddings.npy: the NPY format as the NumPy spec writes it, its errors, and what the exporter puts in it.</summary>
public sealed class ItemEmbeddingsTests
{
    [Fact]
    public void SaveThenLoad_RoundTripsEveryValue()
    {
        using var directory = new TemporaryDirectory();
        var random = new Random(3);
        float[] values = [.. Enumerable.Range(0, 7 * 5).Select(_ => (float)(random.NextDouble() * 2 - 1))];
        values[4] = float.MaxValue;
        values[5] = -0f;
        string path = directory.Combine("e.npy");

        new ItemEmbeddings(7, 5, values).Save(path);
        var loaded = ItemEmbeddings.Load(path);

        Assert.Equal(7, loaded.Count);
        Assert.Equal(5, loaded.Dimensions);
        Assert.Equal(values, loaded.Values.ToArray());
        Assert.Equal(values[10..15], loaded.Row(2).ToArray());
    }

    [Theory]
    [InlineData(7, 5)]
    [InlineData(20108, 600)]
    [InlineData(1, 1)]
    public void Save_WritesTheNpy10Layout(int rows, int columns)
    {
        using var directory = new TemporaryDirectory();
        string path = directory.Combine("e.npy");
        float[] values = [.. Enumerable.Range(0, rows * columns).Select(i => i * 0.5f - 3)];

        new ItemEmbeddings(rows, columns, values).Save(path);
        byte[] bytes = File.ReadAllBytes(path);

        // NPY 1.0: \x93NUMPY, major 1, minor 0, a little-endian uint16 header length, then an ASCII dict
        // padded with spaces and ended by \n, so that the data starts at a multiple of 64 bytes.
        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }, bytes[..8]);
        int headerLength = bytes[8] | bytes[9] << 8;
        int dataStart = 10 + headerLength;
        Assert.Equal(0, dataStart % 64);
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.EndsWith("\n", header);
        Assert.Equal($"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {columns}), }}", header.TrimEnd('\n').TrimEnd(' '));
        Assert.True(header.Length - header.TrimEnd('\n').TrimEnd(' ').Length < 64 + 1, "no more padding than needed");
        Assert.Equal(dataStart + 4L * rows * columns, bytes.LongLength);
        for (int i = 0; i < values.Length; i += Math.Max(1, values.Length / 97))
            Assert.Equal(values[i], BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(dataStart + 4 * i)));
    }

    [Fact]
    public void Load_ReadsAHeaderWrittenAnotherWay()
    {
        // numpy may order the keys differently and pad with more spaces; only the values matter.
        using var directory = new TemporaryDirectory();
        string path = directory.Combine("e.npy");
        File.WriteAllBytes(path, Npy("{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}", [1, 2, 3, 4, 5, 6]));

        var loaded = ItemEmbeddings.Load(path);

        Assert.Equal((2, 3), (loaded.Count, loaded.Dimensions));
        Assert.Equal([4f, 5, 6], loaded.Row(1).ToArray());
    }

    [Theory]
    [InlineData("magic", "not a NumPy .npy file (bad magic)")]
    [InlineData("version", "NPY format version 4.0 is not supported")]
    [InlineData("dtype", "dtype '<f8' is not supported")]
    [InlineData("big-endian", "dtype '>f4' is not supported")]
    [InlineData("fortran", "Fortran (column-major) order is not supported")]
    [InlineData("rank1", "shape (6,) has rank 1")]
    [InlineData("rank3", "shape (1, 2, 3) has rank 3")]
    [InlineData("truncated-data", "truncated: the shape (2, 3) needs 24 bytes of data, the file has 20")]
    [InlineData("truncated-header", "truncated: the NPY header is incomplete")]
    [InlineData("extra-data", "more data than the shape (2, 3) holds")]
    public void Load_NamesTheFileAndTheProblem(string damage, string message)
    {
        using var directory = new TemporaryDirectory();
        string path = directory.Combine("item_embeddings.npy");
        float[] six = [1, 2, 3, 4, 5, 6];
        byte[] bytes = damage switch
        {
            "magic" => [.. "PK\u0003\u0004zip!"u8, .. Npy(Dict("<f4", "False", "2, 3"), six)[8..]],
            "version" => Version(Npy(Dict("<f4", "False", "2, 3"), six), 4),
            "dtype" => Npy(Dict("<f8", "False", "2, 3"), six),
            "big-endian" => Npy(Dict(">f4", "False", "2, 3"), six),
            "fortran" => Npy(Dict("<f4", "True", "2, 3"), six),
            "rank1" => Npy(Dict("<f4", "False", "6,"), six),
            "rank3" => Npy(Dict("<f4", "False", "1, 2, 3"), six),
            "truncated-data" => Npy(Dict("<f4", "False", "2, 3"), six)[..^4],
            "truncated-header" => Npy(Dict("<f4", "False", "2, 3"), six)[..40],
            "extra-data" => Npy(Dict("<f4", "False", "2, 3"), [.. six, 7]),
            _ => throw new ArgumentException(damage),
        };
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<InvalidDataException>(() => ItemEmbeddings.Load(path));

        Assert.StartsWith(path + ": ", error.Message);
        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData("fp32")]
    [InlineData("int8")]
    [InlineData("bf16")]
    public void Export_WritesEachItemsColumnOfTheDecoderOutputLayer_InFloat32(string precision)
    {
        using var directory = new TemporaryDirectory();
        MultVaeWeights weights = RandomWeights.Create("vae", items: 30, dims: [12, 4], seed: 9);

        OnnxExporter.Export(weights, directory.Path, precision: precision);
        var embeddings = ItemEmbeddings.Load(directory.Combine(ModelFiles.ItemEmbeddings));

        DenseLayer output = weights.Decoder[^1];
        Assert.Equal((30, 12), (embeddings.Count, embeddings.Dimensions));
        for (int item = 0; item < 30; item++)
        {
            // Weight is [inputs, outputs] row-major: input j's weight for item i is at j * outputs + i.
            float[] expected = [.. Enumerable.Range(0, output.Inputs).Select(j => output.Weight[j * output.Outputs + item])];
            Assert.Equal(expected, embeddings.Row(item).ToArray());
        }
    }

    [Fact]
    public void ModelCard_RecordsTheEmbeddingsHash_AndOpeningChecksIt()
    {
        using var model = TestModel.Create();

        var bundle = ModelBundle.Open(model.ModelDirectory);
        Assert.Contains(ModelFiles.ItemEmbeddings, bundle.Card.FileSha256!.Keys);

        byte[] bytes = File.ReadAllBytes(model.PathOf(ModelFiles.ItemEmbeddings));
        bytes[^1] ^= 0x40;
        File.WriteAllBytes(model.PathOf(ModelFiles.ItemEmbeddings), bytes);
        var error = Assert.Throws<ModelBundleException>(() => ModelBundle.Open(model.ModelDirectory));
        Assert.Contains($"{ModelFiles.ItemEmbeddings} does not match the SHA-256", error.Message);
    }

    [Fact]
    public void ModelDirectory_WithoutTheEmbeddings_StillOpens()
    {
        using var model = TestModel.Create();
        model.ForgetFileHashes();
        File.Delete(model.PathOf(ModelFiles.ItemEmbeddings));

        var bundle = ModelBundle.Open(model.ModelDirectory);

        Assert.Equal(TestModel.Items, bundle.Items.Count);
        Assert.DoesNotContain(ModelFiles.ItemEmbeddings, ModelFiles.Required);
    }

    private static string Dict(string descr, string fortran, string shape) => $"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': ({shape}), }}";

    /// <summary>An NPY 1.0 file built by hand from the spec: the preamble, the dict padded to 64 bytes with \n last, the data.</summary>
    private static byte[] Npy(string dict, float[] values)
    {
        int padded = (10 + dict.Length + 1 + 63) / 64 * 64 - 10;
        string header = dict + new string(' ', padded - dict.Length - 1) + "\n";
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)header.Length, (byte)(header.Length >> 8) };
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        foreach (float value in values)
        {
            var four = new byte[4];
            BinaryPrimitives.WriteSingleLittleEndian(four, value);
            bytes.AddRange(four);
        }
        return [.. bytes];
    }

    private static byte[] Version(byte[] npy, byte major)
    {
        npy[6] = major;
        return npy;
    }
}

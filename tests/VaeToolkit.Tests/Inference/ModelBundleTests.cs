using VaeToolkit.Data;
using VaeToolkit.Runs;

namespace VaeToolkit.Tests.Inference;

public sealed class ModelBundleTests
{
    [Fact]
    public void WriteThenOpen_RoundTripsEveryFile()
    {
        using var model = TestModel.Create();

        var bundle = ModelBundle.Open(model.ModelDirectory);

        Assert.Equal(model.ModelDirectory, bundle.Directory);
        var card = bundle.Card;
        Assert.Equal(TestModel.Card with { EncoderDims = card.EncoderDims, FileSha256 = card.FileSha256 }, card);
        Assert.Equal(TestModel.Card.EncoderDims, card.EncoderDims);

        Assert.Equal(TestModel.ItemIds, bundle.Items.Ids);
        Assert.Equal(TestModel.Popularity, bundle.Items.Popularity);
        Assert.Equal(TestModel.ItemNames, bundle.Items.Names!);
        Assert.True(bundle.Items.TryGetIndex("m21", out int index));
        Assert.Equal(3, index);

        Assert.Equal(TestModel.UserIds, bundle.UserIds);
        for (int u = 0; u < TestModel.UserIds.Length; u++)
            Assert.Equal(model.UserHistories[u], bundle.UserHistories.Row(u).ToArray());

        Assert.Equal(TestModel.Test.UserIds, bundle.Test.UserIds);
        for (int u = 0; u < TestModel.Test.Count; u++)
        {
            Assert.Equal(TestModel.Test.FoldIn.Row(u).ToArray(), bundle.Test.FoldIn.Row(u).ToArray());
            Assert.Equal(TestModel.Test.Targets.Row(u).ToArray(), bundle.Test.Targets.Row(u).ToArray());
        }
    }

    [Fact]
    public void Card_IsSnakeCaseJson()
    {
        using var model = TestModel.Create(exportOnnx: false);

        string json = File.ReadAllText(Path.Combine(model.ModelDirectory, ModelFiles.Card));

        foreach (string key in new[] { "format_version", "model_type", "item_count", "latent_dim", "encoder_dims", "dataset", "data_hash", "created_utc", "best_epoch", "validation_ndcg_at_100", "toolkit_version", "file_sha256" })
            Assert.Contains($"\"{key}\":", json);
    }

    [Fact]
    public void ItemTable_EscapesTabsAndNewlinesOnOneLinePerItem()
    {
        using var model = TestModel.Create(exportOnnx: false);

        string[] lines = File.ReadAllLines(Path.Combine(model.ModelDirectory, ModelFiles.Items));

        Assert.Equal(TestModel.Items + 1, lines.Length);
        Assert.Equal("index\titem_id\tpopularity\tname", lines[0]);
        Assert.Equal("0\tm0\t50\t", lines[1]);
        Assert.Equal("1\tm7\t49\tMovie 1, \"the\\\\sequel\"\\t(1)\\n", lines[2]);
    }

    [Fact]
    public void Open_ARunDirectory_UsesItsModelFolder()
    {
        using var model = TestModel.Create();

        var bundle = ModelBundle.Open(model.Root.Path);

        Assert.Equal(model.ModelDirectory, bundle.Directory);
    }

    [Fact]
    public void Open_ListsTheMissingFilesAndTheDirectory()
    {
        using var model = TestModel.Create(exportOnnx: false);
        File.Delete(Path.Combine(model.ModelDirectory, ModelFiles.TestTargets));

        var error = Assert.Throws<ModelBundleException>(() => ModelBundle.Open(model.ModelDirectory));

        Assert.Equal(model.ModelDirectory, error.Directory);
        Assert.Equal([ModelFiles.Recommender, ModelFiles.Encoder, ModelFiles.TestTargets], error.MissingFiles);
        Assert.Equal($"'{model.ModelDirectory}' is not a complete model directory: missing recommender.onnx, encoder.onnx, test-targets.vcsr", error.Message);
    }

    [Fact]
    public void Open_AMissingDirectory_SaysItDoesNotExist()
    {
        using var root = new TemporaryDirectory();
        string missing = root.Combine("nowhere");

        var error = Assert.Throws<ModelBundleException>(() => ModelBundle.Open(missing));

        Assert.Contains($"'{missing}' does not exist", error.Message);
    }

    [Fact]
    public void Open_ACorruptFile_NamesIt()
    {
        using var model = TestModel.Create();
        model.ForgetFileHashes(); // else the hash check names the file before it is parsed
        File.WriteAllText(Path.Combine(model.ModelDirectory, ModelFiles.Items), "id\tname\n");

        var error = Assert.Throws<ModelBundleException>(() => ModelBundle.Open(model.ModelDirectory));

        Assert.Contains("cannot read items.tsv", error.Message);
        Assert.IsType<InvalidDataException>(error.InnerException);
    }

    [Fact]
    public void Write_RejectsPartsThatDisagreeOnTheItemCount()
    {
        using var root = new TemporaryDirectory();
        var histories = CsrMatrix.FromRows([[1]], TestModel.Items + 1);

        var error = Assert.Throws<ArgumentException>(() => ModelBundle.Write(root.Path, TestModel.Card,
            new ItemTable(TestModel.ItemIds, TestModel.Popularity), histories, ["u0"], TestModel.Test));

        Assert.Contains("user histories have 51 item columns, the model 50", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(root.Path));
    }
}

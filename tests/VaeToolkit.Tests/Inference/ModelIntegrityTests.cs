using System.Security.Cryptography;
using VaeToolkit.Data;
using VaeToolkit.Inference;
using VaeToolkit.Runs;

namespace VaeToolkit.Tests.Inference;

/// <summary>
/// Damaged model files: the card's SHA-256 of each file names the one that changed; without recorded
/// hashes (older model directories) a graph ONNX Runtime cannot load is still a clean, named error.
/// </summary>
public sealed class ModelIntegrityTests
{
    public static TheoryData<string, string> Damages => new()
    {
        { ModelFiles.Recommender, "empty" },
        { ModelFiles.Recommender, "truncated" },
        { ModelFiles.Recommender, "flipped" },
        { ModelFiles.Encoder, "empty" },
        { ModelFiles.Encoder, "truncated" },
        { ModelFiles.Encoder, "flipped" },
        { ModelFiles.UserHistories, "flipped" },
        { ModelFiles.Items, "flipped" },
        { ModelFiles.TestTargets, "truncated" },
    };

    [Fact]
    public void Write_RecordsTheHashOfEveryOtherFile()
    {
        using var model = TestModel.Create();

        var card = ModelBundle.Open(model.ModelDirectory).Card;

        Assert.NotNull(card.FileSha256);
        Assert.Equal(ModelFiles.Hashed.Order(), card.FileSha256.Keys.Order());
        foreach (string file in ModelFiles.Hashed)
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(model.PathOf(file)))), card.FileSha256[file]);
    }

    [Theory]
    [MemberData(nameof(Damages))]
    public void Open_ADamagedFile_NamesIt(string file, string damage)
    {
        using var model = TestModel.Create();
        Damage(model.PathOf(file), damage);

        var error = Assert.Throws<ModelBundleException>(() => RecommendationService.Open(model.ModelDirectory).Dispose());

        Assert.Equal(model.ModelDirectory, error.Directory);
        Assert.Equal($"'{model.ModelDirectory}': {file} does not match the SHA-256 recorded in model.json (the file is damaged, truncated or was changed after export)", error.Message);
    }

    [Theory]
    [InlineData(ModelFiles.Recommender, "empty")]
    [InlineData(ModelFiles.Recommender, "truncated")]
    [InlineData(ModelFiles.Encoder, "empty")]
    [InlineData(ModelFiles.Encoder, "truncated")]
    public void Open_WithoutRecordedHashes_AGraphThatDoesNotLoad_IsNamed(string file, string damage)
    {
        using var model = TestModel.Create();
        model.ForgetFileHashes();
        Damage(model.PathOf(file), damage);

        var bundle = ModelBundle.Open(model.ModelDirectory); // older directories open unchecked
        var error = Assert.Throws<ModelBundleException>(() => ModelEvaluator.Evaluate(bundle, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Null(bundle.Card.FileSha256);
        Assert.StartsWith($"'{model.ModelDirectory}': cannot load {file}: ", error.Message);
        Assert.NotNull(error.InnerException);
    }

    [Fact]
    public void Open_WithoutRecordedHashes_Serves()
    {
        using var model = TestModel.Create();
        model.ForgetFileHashes();

        using var service = RecommendationService.Open(model.ModelDirectory);

        Assert.True(service.RecommendForUsers(["u1"], 5, TestContext.Current.CancellationToken)[0].Succeeded);
    }

    [Fact]
    public void Open_AGraphOfAnotherDataSet_IsRefused()
    {
        using var model = TestModel.Create(onnxMetadata: new Dictionary<string, string> { ["data_hash"] = "sha256:other" });

        var error = Assert.Throws<ModelBundleException>(() => RecommendationService.Open(model.ModelDirectory).Dispose());

        Assert.Equal($"'{model.ModelDirectory}': recommender.onnx was exported with data_hash 'sha256:other' but model.json says 'sha256:0123' (the graph belongs to another model)", error.Message);
    }

    [Fact]
    public void Open_AGraphOfTheSameDataSet_IsServed()
    {
        using var model = TestModel.Create(onnxMetadata: new Dictionary<string, string> { ["data_hash"] = TestModel.Card.DataHash });

        using var recommender = OnnxRecommender.Open(model.ModelDirectory);

        var top = recommender.Recommend(CsrMatrix.FromRows([[1, 2]], TestModel.Items), 5);

        Assert.Equal(5, top.Length(0));
    }

    /// <summary>Empties a file, cuts it in half, or flips one byte in its middle.</summary>
    internal static void Damage(string path, string damage)
    {
        byte[] bytes = File.ReadAllBytes(path);
        switch (damage)
        {
            case "empty":
                File.WriteAllBytes(path, []);
                break;
            case "truncated":
                File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
                break;
            case "flipped":
                bytes[bytes.Length / 2] ^= 0x5A;
                File.WriteAllBytes(path, bytes);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(damage), damage, null);
        }
    }
}

using VaeToolkit.Configuration;
using VaeToolkit.Tests.Cli;
using VaeToolkit.Training.Models;

namespace VaeToolkit.Tests.Configuration;

/// <summary>Every numeric setting has a documented range, in the config file, its overrides and the CLI's options.</summary>
public sealed class SettingRangeTests : IDisposable
{
    private readonly TemporaryDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Theory]
    [InlineData("training:\n  batch_size: 2147483647\n", "config.yaml(2,15): error VAE0104: 'training.batch_size' must be between 1 and 1000000, not 2147483647")]
    [InlineData("model:\n  encoder_dims: [600, 70000]\n", "config.yaml(2,23): error VAE0104: every entry of 'model.encoder_dims' must be between 1 and 65536, not 70000")]
    [InlineData("model:\n  encoder_dims: [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]\n", "config.yaml(2,17): error VAE0104: 'model.encoder_dims' must have at most 16 entries, not 17")]
    [InlineData("model:\n  encoder_dims: [99999999999999999999]\n", "config.yaml(2,18): error VAE0104: every entry of 'model.encoder_dims' must be between 1 and 65536, not 99999999999999999999")]
    [InlineData("training:\n  epochs: 99999999999999999999999\n", "config.yaml(2,11): error VAE0104: 'training.epochs' must be between 1 and 100000, not 99999999999999999999999")]
    [InlineData("training:\n  lam: 1e300\n", "config.yaml(2,8): error VAE0104: 'training.lam' must be between 0 and 1000, not 1e300")]
    [InlineData("training:\n  max_users_per_pass: 1000001\n", "config.yaml(2,23): error VAE0104: 'training.max_users_per_pass' must be between 1 and 1000000, not 1000001")]
    [InlineData("evaluation:\n  batch_size: 2000000\n", "config.yaml(2,15): error VAE0104: 'evaluation.batch_size' must be between 1 and 1000000, not 2000000")]
    [InlineData("data:\n  synthetic: { users: 10000000, mean_items_per_user: 10000 }\n",
        "config.yaml: error VAE0104: 'data.synthetic.users' × 'mean_items_per_user' must be at most 500,000,000 interactions, not 100,000,000,000")]
    public void OutOfRangeValues_AreLocatedErrors(string yaml, string message)
    {
        var error = Assert.Throws<ConfigException>(() => ModelRegistry.ConfigLoader.Parse(yaml, "config.yaml"));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void LargestDocumentedValues_AreAccepted()
    {
        var config = ModelRegistry.ConfigLoader.Parse(
            "training: { batch_size: 1000000, epochs: 100000, max_users_per_pass: 1000000, lam: 1000 }\n" +
            "model: { encoder_dims: [65536, 65536, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14] }\n" +
            "evaluation: { batch_size: 1000000 }\ndata: { heldout_users: 10000000, synthetic: { users: 50000, mean_items_per_user: 10000 } }\n",
            "config.yaml");
        Assert.Equal(1_000_000, config.Training.BatchSize);
        Assert.Equal(16, config.Model.EncoderDims.Count);
    }

    /// <summary>Every integer key refuses a value beyond its range; every key is named in the message.</summary>
    [Theory]
    [InlineData("seed"), InlineData("gpus"), InlineData("data.min_items_per_user"), InlineData("data.heldout_users"), InlineData("data.min_plays")]
    [InlineData("data.synthetic.users"), InlineData("data.synthetic.items"), InlineData("data.synthetic.tastes"), InlineData("data.synthetic.mean_items_per_user")]
    [InlineData("training.epochs"), InlineData("training.batch_size"), InlineData("training.total_anneal_steps"), InlineData("training.validation_step")]
    [InlineData("training.checkpoint_step"), InlineData("training.warm_up_epochs"), InlineData("training.max_users_per_pass"), InlineData("training.threads")]
    [InlineData("evaluation.batch_size")]
    public void EveryIntegerKey_RefusesAHugeValue_InAnOverride(string key)
    {
        var error = Assert.Throws<ConfigException>(() => ModelRegistry.ConfigLoader.Parse("", "config.yaml", [$"{key}=99999999999"]));
        Assert.Equal(ConfigErrorCodes.OutOfRange, error.Code);
        Assert.Contains($"'{key}' must be", error.Message);
    }

    [Fact]
    public void BenchmarkEpochsZero_IsAConfigErrorNamingTheKey()
    {
        string config = _scratch.Combine("small.yaml");
        File.WriteAllText(config, "data: { synthetic: { users: 100, items: 20 }, heldout_users: 5 }\n");

        var (exit, output, log) = CliRunner.Run("benchmark", "--config", config, "--epochs", "0");

        Assert.Equal(1, exit);
        Assert.Equal("", output);
        Assert.Contains("error VAE0104: 'training.epochs' must be between 1 and 100000, not 0, in an override", log);
        Assert.DoesNotContain("Sequence contains no elements", log);
    }

    [Theory]
    [InlineData("recommend --model {dir} --user 1 --top 0", "option --top must be between 1 and 1,000,000, not 0")]
    [InlineData("recommend --model {dir} --user 1 --top -5", "option --top must be between 1 and 1,000,000, not -5")]
    [InlineData("test --model {dir} --batch-size 2147483647", "option --batch-size must be between 1 and 1,000,000, not 2147483647")]
    [InlineData("generate-ratings --output {dir}/r.csv --users 0", "option --users must be between 1 and 10,000,000, not 0")]
    public void OutOfRangeOptions_AreUsageErrors(string arguments, string message)
    {
        var (exit, _, log) = CliRunner.Run(arguments.Replace("{dir}", _scratch.Path).Split(' '));

        Assert.Equal(2, exit);
        Assert.Contains(message, log);
    }
}

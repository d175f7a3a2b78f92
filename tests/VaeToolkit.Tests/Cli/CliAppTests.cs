using System.Text.Json;
using VaeToolkit.Runs;

namespace VaeToolkit.Tests.Cli;

public sealed class CliAppTests : IDisposable
{
    /// <summary>A run of a second or two that the CLI tests train.</summary>
    internal const string SmallConfig = """
        seed: 4
        data:
          dataset: synthetic
          positive_threshold: null
          heldout_users: 50
          synthetic: { users: 500, items: 150, tastes: 4, mean_items_per_user: 15 }
        model: { encoder_dims: [32, 8] }
        training: { epochs: 2, batch_size: 100, learning_rate: 0.01, threads: 1 }
        """;

    private readonly TemporaryDirectory _scratch = new();
    private readonly string _config;

    public CliAppTests()
    {
        _config = _scratch.Combine("small.yaml");
        File.WriteAllText(_config, SmallConfig);
    }

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public void TrainTestRecommend_WorkTogether()
    {
        string runDirectory = _scratch.Combine("run");
        var (trained, trainOutput, trainLog) = CliRunner.Run("train", "--config", _config, "--output", runDirectory);
        Assert.Equal(0, trained);
        Assert.Contains("epoch    2/2", trainLog);
        using var training = JsonDocument.Parse(trainOutput);
        Assert.Equal(Path.GetFullPath(runDirectory), training.RootElement.GetProperty("run_path").GetString());
        double trainNdcg = training.RootElement.GetProperty("test").GetProperty("ndcg_at100").GetDouble();

        var (tested, testOutput, _) = CliRunner.Run("test", "--model", runDirectory);
        Assert.Equal(0, tested);
        using var test = JsonDocument.Parse(testOutput);
        Assert.Equal(trainNdcg, test.RootElement.GetProperty("ndcg_at100").GetDouble(), 9);
        Assert.Equal(50, test.RootElement.GetProperty("users").GetInt32());

        string knownUser = ModelBundle.Open(runDirectory).UserIds[0];
        var (recommended, recommendOutput, recommendLog) = CliRunner.Run("recommend", "--model", runDirectory, "--user", knownUser, "--user", "no-such-user", "--top", "5");
        Assert.Equal(3, recommended); // one id failed, the other was served
        Assert.Contains("no-such-user", recommendLog);
        using var results = JsonDocument.Parse(recommendOutput);
        var served = results.RootElement[0];
        Assert.Equal(knownUser, served.GetProperty("user_id").GetString());
        Assert.Equal([1, 2, 3, 4, 5], served.GetProperty("recommendations").EnumerateArray().Select(r => r.GetProperty("rank").GetInt32()));
        Assert.False(string.IsNullOrEmpty(results.RootElement[1].GetProperty("error").GetString()));
    }

    [Fact]
    public void Benchmark_PrintsSpeedAsOneJsonObject()
    {
        var (exitCode, output, _) = CliRunner.Run("benchmark", "--config", _config, "--epochs", "3");
        Assert.Equal(0, exitCode);
        using var report = JsonDocument.Parse(output);
        Assert.Equal(3, report.RootElement.GetProperty("epoch_seconds").GetArrayLength());
        Assert.True(report.RootElement.GetProperty("train_users_per_s").GetDouble() > 0);
        Assert.Equal("cpu", report.RootElement.GetProperty("device").GetString());
    }

    [Theory]
    [InlineData(new[] { "fly" }, "unknown verb 'fly'")]
    [InlineData(new[] { "train" }, "option --config is required")]
    [InlineData(new[] { "train", "--config", "x.yaml", "--speed", "9" }, "unknown option --speed")]
    [InlineData(new[] { "recommend", "--model", "m", "--user", "1", "--items", "2" }, "exactly one of --user, --items or --input")]
    [InlineData(new[] { "recommend", "--model", "m", "--input", "a.csv", "--output", "b.csv", "--shard", "5/2" }, "option --shard: shard '5/2': the index must be below the count 2")]
    [InlineData(new[] { "embed", "--model", "m", "--input", "a.csv", "--output", "b.csv", "--format", "xml" }, "option --format must be csv or parquet, not 'xml'")]
    [InlineData(new[] { "embed", "--model", "m", "--input", "a.csv" }, "option --output is required")]
    [InlineData(new[] { "embed", "--model", "m", "--input", "a.csv", "--output", "b.csv", "--delimiter", "\\q" }, "option --delimiter '\\q'")]
    [InlineData(new[] { "embed", "--model", "m", "--input", "a.csv", "--output", "b.csv", "--top", "3" }, "unknown option --top for 'embed'")]
    public void BadCommandLines_AreUsageErrors(string[] args, string message)
    {
        var (exitCode, _, error) = CliRunner.Run(args);
        Assert.Equal(2, exitCode);
        Assert.Contains(message, error);
    }

    [Fact]
    public void ConfigErrors_NameTheFileLineAndColumn()
    {
        File.WriteAllText(_config, "training:\n  epochs: 2\n  lerning_rate: 0.1\n");
        var (exitCode, _, error) = CliRunner.Run("train", "--config", _config, "--output", _scratch.Combine("never"));
        Assert.Equal(1, exitCode);
        Assert.Contains("small.yaml(3,3): error VAE0101: unknown key 'training.lerning_rate' (did you mean 'learning_rate'?)", error);
        Assert.False(Directory.Exists(_scratch.Combine("never")));
    }

    [Fact]
    public void MissingModelFiles_AreNamed()
    {
        var (exitCode, _, error) = CliRunner.Run("test", "--model", _scratch.Combine("no-model"));
        Assert.Equal(1, exitCode);
        Assert.Contains("no-model", error);
    }
}

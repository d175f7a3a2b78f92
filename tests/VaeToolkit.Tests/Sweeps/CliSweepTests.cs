using System.Globalization;
using System.Text.Json;
using VaeToolkit.Tests.Cli;

namespace VaeToolkit.Tests.Sweeps;

/// <summary><c>vaetoolkit sweep</c>: the options into a plan, the table on standard output, exit codes.</summary>
public sealed class CliSweepTests : IDisposable
{
    private readonly TemporaryDirectory _scratch = new();
    private readonly string _config;

    public CliSweepTests()
    {
        _config = _scratch.Combine("tiny.yaml");
        File.WriteAllText(_config, """
            seed: 5
            data:
              dataset: synthetic
              positive_threshold: null
              heldout_users: 40
              synthetic: { users: 400, items: 150, tastes: 4, mean_items_per_user: 20 }
            model: { encoder_dims: [32, 8] }
            training: { epochs: 1, batch_size: 100, learning_rate: 0.01, total_anneal_steps: 50 }
            """);
    }

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public void Grid_PrintsTheTrialsBestFirst_AndTheSameCommandAgainSkipsThem()
    {
        string[] command = ["sweep", "--config", _config, "--grid", "model.dropout=0.2,0.5", "--output", _scratch.Combine("grid"), "--parallel", "2"];
        var (exitCode, output, error) = CliRunner.Run(command);

        Assert.True(exitCode == 0, error);
        using var json = JsonDocument.Parse(output);
        var trials = json.RootElement.GetProperty("trials").EnumerateArray().ToList();
        Assert.Equal(["001-dropout=0.2", "002-dropout=0.5"], trials.Select(t => t.GetProperty("name").GetString()).Order());
        Assert.Equal(trials[0].GetProperty("name").GetString(), json.RootElement.GetProperty("best").GetString());
        Assert.True(trials[0].GetProperty("best_validation_ndcg_at100").GetDouble() >= trials[1].GetProperty("best_validation_ndcg_at100").GetDouble());
        Assert.All(trials, t => Assert.Equal("trained", t.GetProperty("status").GetString()));
        Assert.Contains("trial 2/2 ", error);

        var again = CliRunner.Run(command);
        Assert.Equal(0, again.ExitCode);
        using var second = JsonDocument.Parse(again.Output);
        Assert.All(second.RootElement.GetProperty("trials").EnumerateArray(), t => Assert.Equal("skipped", t.GetProperty("status").GetString()));
    }

    [Fact]
    public void RandomSearch_DrawsFromItsRangesAndChoices()
    {
        var (exitCode, output, error) = CliRunner.Run("sweep", "--config", _config, "--output", _scratch.Combine("random"), "--samples", "2", "--seed", "4",
            "--range", "training.learning_rate=0.001:0.01:log", "--grid", "training.lam=0,0.01");

        Assert.True(exitCode == 0, error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("random", json.RootElement.GetProperty("kind").GetString());
        Assert.Equal(4, json.RootElement.GetProperty("seed").GetInt32());
        foreach (var trial in json.RootElement.GetProperty("trials").EnumerateArray())
        {
            var settings = trial.GetProperty("settings");
            Assert.InRange(double.Parse(settings.GetProperty("training.learning_rate").GetString()!, CultureInfo.InvariantCulture), 0.001, 0.01);
            Assert.Contains(settings.GetProperty("training.lam").GetString(), new[] { "0", "0.01" });
        }
    }

    [Theory]
    [InlineData(2, "must look like key=min:max", "--samples", "2", "--range", "training.lam=0-1")]
    [InlineData(2, "'abc' is not a number", "--samples", "2", "--range", "training.lam=abc:1")]
    [InlineData(2, "--seed needs --samples", "--grid", "training.lam=0,1", "--seed", "3")]
    [InlineData(2, "give --grid", "--samples", "3")]
    [InlineData(1, "a range needs a random search", "--range", "training.lam=0:1")]
    [InlineData(1, "lamb", "--grid", "training.lamb=0,1")]
    public void BadSweeps_AreRefused_BeforeAnyTrial(int expectedExitCode, string message, params string[] options)
    {
        string folder = _scratch.Combine("refused");
        var (exitCode, output, error) = CliRunner.Run(["sweep", "--config", _config, "--output", folder, .. options]);

        Assert.Equal(expectedExitCode, exitCode);
        Assert.Contains(message, error);
        Assert.Equal("", output);
        Assert.False(Directory.Exists(folder));
    }
}

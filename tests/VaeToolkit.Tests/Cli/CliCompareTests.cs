using System.Globalization;
using System.Text.Json;
using VaeToolkit.Orchestration.Runs;
using VaeToolkit.Runs;
using VaeToolkit.Tests.Runs;

namespace VaeToolkit.Tests.Cli;

/// <summary>The <c>compare</c> verb on real small runs (<see cref="ComparedRunsFixture"/>).</summary>
public sealed class CliCompareTests(ComparedRunsFixture runs) : IClassFixture<ComparedRunsFixture>
{
    private static RunManifest Manifest(string run) => RunManifest.Load(Path.Combine(run, RunFiles.Manifest));

    [Fact]
    public void Compare_PrintsAnAlignedTable_BestFirst_WithThePopularityBaselineLast()
    {
        var (exitCode, output, error) = CliRunner.Run("compare", runs.Vae, runs.Dae, runs.LongerVae);

        Assert.Equal(0, exitCode);
        Assert.Equal("", error);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("3 run(s) on synthetic (data hash " + Manifest(runs.Vae).Data!.DataHash[..12], lines[0]);
        Assert.Matches(@"^run\s+model\s+NDCG@100\s+Recall@20\s+Recall@50\s+best epoch\s+epochs\s+train s\s+total s\s+model size\s+path$", lines[1]);
        string[] rows = lines[3..];
        Assert.Equal(4, rows.Length);

        var expected = new[] { runs.Vae, runs.Dae, runs.LongerVae }.OrderByDescending(run => Manifest(run).Test!.NdcgAt100).ToArray();
        for (int i = 0; i < 3; i++)
        {
            RunManifest manifest = Manifest(expected[i]);
            string[] cells = rows[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(Path.GetFileName(expected[i]), cells[0]);
            Assert.Equal(ModelCard.Load(Path.Combine(expected[i], RunFiles.ModelFolder, ModelFiles.Card)).ModelType, cells[1]);
            Assert.Equal(F4(manifest.Test!.NdcgAt100), cells[2]);
            Assert.Equal(F4(manifest.Test.RecallAt20), cells[3]);
            Assert.Equal(F4(manifest.Test.RecallAt50), cells[4]);
            Assert.Equal(manifest.BestEpoch.ToString(), cells[5]);
            Assert.Equal(manifest.History.Count.ToString(), cells[6]);
            Assert.Equal(manifest.TimingsSeconds["train"].ToString("N1", CultureInfo.InvariantCulture), cells[7]);
            Assert.Equal(expected[i], cells[^1]);
        }
        EvaluationOf(runs.Vae, out var popularity);
        Assert.Matches($@"^popularity\s+-\s+{F4(popularity.NdcgAt100)}\s+{F4(popularity.RecallAt20)}\s+{F4(popularity.RecallAt50)}\s", rows[3]);

        // Aligned: every row is as wide as the header up to the path column.
        int pathColumn = lines[1].IndexOf("path", StringComparison.Ordinal);
        Assert.All(rows[..3], row => Assert.Equal(' ', row[pathColumn - 1]));
        Assert.All(rows[..3], row => Assert.NotEqual(' ', row[pathColumn]));
    }

    [Fact]
    public void Compare_Json_IsTheWholeReport()
    {
        var (exitCode, output, _) = CliRunner.Run("compare", "--json", runs.Dae, runs.Vae);

        Assert.Equal(0, exitCode);
        using var json = JsonDocument.Parse(output);
        JsonElement root = json.RootElement;
        Assert.Equal("synthetic", root.GetProperty("dataset").GetString());
        Assert.Equal(Manifest(runs.Vae).Data!.DataHash, root.GetProperty("data_hash").GetString());
        var printed = root.GetProperty("runs").EnumerateArray().ToArray();
        var expected = new[] { runs.Dae, runs.Vae }.OrderByDescending(run => Manifest(run).Test!.NdcgAt100).ToArray();
        Assert.Equal(expected, printed.Select(run => run.GetProperty("path").GetString()));
        foreach (JsonElement run in printed)
        {
            RunManifest manifest = Manifest(run.GetProperty("path").GetString()!);
            Assert.Equal(manifest.Test!.NdcgAt100, run.GetProperty("ndcg_at100").GetDouble());
            Assert.Equal(manifest.Test.RecallAt50, run.GetProperty("recall_at50").GetDouble());
            Assert.Equal(manifest.TimingsSeconds["train"], run.GetProperty("train_seconds").GetDouble());
            Assert.True(run.GetProperty("model_bytes").GetInt64() > 0);
        }
        EvaluationOf(runs.Vae, out var popularity);
        Assert.Equal(popularity.NdcgAt100, root.GetProperty("popularity").GetProperty("ndcg_at100").GetDouble());
    }

    [Fact]
    public void Compare_RunsOnAnotherSplit_ExitsWith1_NamingThem()
    {
        var (exitCode, output, error) = CliRunner.Run("compare", runs.Vae, runs.OtherSeed);

        Assert.Equal(1, exitCode);
        Assert.Equal("", output);
        Assert.StartsWith("vaetoolkit: error: cannot compare runs trained on different data or splits (they differ in data hash)", error);
        Assert.Contains($"'{runs.Vae}'", error);
        Assert.Contains($"'{runs.OtherSeed}'", error);
    }

    [Fact]
    public void Compare_ARunWithoutATestEvaluation_ExitsWith1_NamingIt()
    {
        var (exitCode, _, error) = CliRunner.Run("compare", runs.Vae, runs.Interrupted);

        Assert.Equal(1, exitCode);
        Assert.Equal($"vaetoolkit: error: run '{runs.Interrupted}' has no test evaluation: it was stopped before it finished (resume it with -Resume / --resume)", error.Trim());
    }

    [Theory]
    [InlineData(new[] { "compare" }, "give the run directories to compare")]
    [InlineData(new[] { "compare", "a", "--top", "3" }, "unknown option --top for 'compare'")]
    [InlineData(new[] { "test", "--model", "m", "extra" }, "unexpected argument 'extra'")]
    public void BadCommandLines_AreUsageErrors(string[] args, string message)
    {
        var (exitCode, _, error) = CliRunner.Run(args);

        Assert.Equal(2, exitCode);
        Assert.Contains(message, error);
        Assert.Contains("vaetoolkit compare   <run dir> <run dir>... [--json]", error);
    }

    [Fact]
    public void Help_DescribesTheVerb()
    {
        var (exitCode, output, error) = CliRunner.Run("compare", "--help");

        Assert.Equal(0, exitCode);
        Assert.Equal("", output);
        Assert.StartsWith("usage: vaetoolkit compare <run dir> <run dir>... [--json]", error);
    }

    private static string F4(double value) => value.ToString("F4", CultureInfo.InvariantCulture);

    private static void EvaluationOf(string run, out PopularityBaseline popularity)
    {
        var test = Manifest(run).Test!;
        popularity = new PopularityBaseline(test.PopularityNdcgAt100, test.PopularityRecallAt20, test.PopularityRecallAt50);
    }
}

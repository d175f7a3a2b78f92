using System.Text.Json;
using Spectre.Console.Testing;
using VaeToolkit.Cli;
using VaeToolkit.Cli.Progress;
using VaeToolkit.Inference.Batch;
using VaeToolkit.Training;

namespace VaeToolkit.Tests.Cli;

/// <summary>
/// Progress on standard error: whole lines when it is redirected (logs, CI), Spectre.Console's bars on a
/// terminal; standard output carries the JSON result alone either way.
/// </summary>
public sealed class CliProgressTests : IDisposable
{
    private readonly TemporaryDirectory _scratch = new();
    private readonly string _config;

    public CliProgressTests()
    {
        _config = _scratch.Combine("small.yaml");
        File.WriteAllText(_config, CliAppTests.SmallConfig);
    }

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public void Train_WithStandardErrorRedirected_PrintsWholeLines_AndPureJson()
    {
        var (exitCode, output, error) = CliRunner.Run("train", "--config", _config, "--output", _scratch.Combine("run"));

        Assert.Equal(0, exitCode);
        using var result = JsonDocument.Parse(output); // nothing but the result
        Assert.Equal(JsonValueKind.Object, result.RootElement.ValueKind);
        Assert.DoesNotContain('\x1b', error); // no escape sequences
        Assert.DoesNotContain('\r', error);   // no line redrawn in place
        string[] epochs = [.. error.Split('\n').Where(line => line.StartsWith("epoch ", StringComparison.Ordinal))];
        Assert.Equal(2, epochs.Length);
        Assert.Matches(@"^epoch    1/2  loss +\d+\.\d{3} ", epochs[0]);
        Assert.Matches(@"^epoch    2/2  loss +\d+\.\d{3} .*validation NDCG@100 \d\.\d{4}$", epochs[1]);
    }

    [Fact]
    public void Train_OnATerminal_DrawsBars_AndStandardOutputIsStillPureJson()
    {
        var terminal = new TestConsole().Interactive().EmitAnsiSequences().Width(160);
        var output = new StringWriter();
        var error = new StringWriter();

        int exitCode = CliApp.Run(["train", "--config", _config, "--output", _scratch.Combine("run")], output, error, TestContext.Current.CancellationToken, terminal);

        Assert.Equal(0, exitCode);
        using var result = JsonDocument.Parse(output.ToString());
        Assert.Equal(Path.GetFullPath(_scratch.Combine("run")), result.RootElement.GetProperty("run_path").GetString());
        Assert.Equal("", error.ToString()); // while the bars are up, every message goes through the terminal
        string screen = terminal.Output;
        Assert.Contains("epoch 2/2  loss ", screen);      // the bar's text: the last epoch
        Assert.Contains("100%", screen);
        Assert.Matches(@"epoch    2/2  loss +\d+\.\d{3} ", screen); // the epoch lines, above the bars
    }

    [Fact]
    public void VerbsWithoutProgress_DrawNothing_EvenOnATerminal()
    {
        var terminal = new TestConsole().Interactive().EmitAnsiSequences();
        var error = new StringWriter();

        int exitCode = CliApp.Run(["similar", "--model", _scratch.Combine("none"), "--item", "1"], TextWriter.Null, error, TestContext.Current.CancellationToken, terminal);

        Assert.Equal(1, exitCode);
        Assert.Equal("", terminal.Output);
        Assert.Contains("none", error.ToString());
    }

    [Fact]
    public void TrainingBar_ShowsTheEpoch_TheLossAndValidationNdcg_AndPrintsTheEpochLine()
    {
        var terminal = new TestConsole().Interactive().EmitAnsiSequences().Width(160);
        var epoch = new EpochRecord(3, 512.25, 0.2, 2.0, 1000, 0.3125, 0.5, 50);

        LiveProgressDisplay.Run(terminal, (progress, _) =>
        {
            var training = progress.Training();
            training.Report(new TrainingProgress(3, 4, 5, 10, null));
            training.Report(new TrainingProgress(3, 4, 10, 10, epoch));
            return 0;
        });

        Assert.Contains("epoch 3/4  loss 512.250  NDCG@100 0.3125", terminal.Output);
        Assert.Contains("75%", terminal.Output); // 3 of 4 epochs
        Assert.Contains(EpochLinePrinter.Format(new TrainingProgress(3, 4, 10, 10, epoch)), terminal.Output);
        Assert.Equal("epoch    3/4  loss    512.250     2.00s         500 users/s  validation NDCG@100 0.3125", EpochLinePrinter.Format(new TrainingProgress(3, 4, 10, 10, epoch)));
    }

    [Fact]
    public void BatchBar_ShowsUsersDoneAndSpeed_PerPhase()
    {
        var terminal = new TestConsole().Interactive().EmitAnsiSequences().Width(160);

        LiveProgressDisplay.Run(terminal, (progress, _) =>
        {
            var scoring = progress.BatchScoring();
            scoring.Report(new BatchScoringProgress("reading", 1, 0, 0, null));
            scoring.Report(new BatchScoringProgress("scoring", 0.25, 12_000, 3_400, TimeSpan.FromSeconds(9)));
            return 0;
        });

        Assert.Contains("reading", terminal.Output);
        Assert.Contains("scoring: 12,000 users, 3,400 users/s", terminal.Output);
        Assert.Contains("25%", terminal.Output);
    }

    [Fact]
    public void LinesWrittenWhileTheBarsAreUp_AppearWhole_AndAFailureLeavesTheBars()
    {
        var terminal = new TestConsole().Interactive().EmitAnsiSequences().Width(160);

        var failure = Assert.Throws<InvalidDataException>(() => LiveProgressDisplay.Run<int>(terminal, (progress, lines) =>
        {
            progress.Log().Report("reading ratings.csv");
            lines.Write("vaetoolkit: kept ");
            lines.WriteLine("/cache/a.vprep");
            throw new InvalidDataException("ratings.csv(3): bad line");
        }));

        Assert.Equal("ratings.csv(3): bad line", failure.Message);
        Assert.Contains("reading ratings.csv", terminal.Output);
        Assert.Contains("vaetoolkit: kept /cache/a.vprep", terminal.Output);
    }

    [Fact]
    public void LineProgress_PrintsBatchProgressAtMostOnceASecond_AndEachPhasesEnd()
    {
        var error = new StringWriter();
        var scoring = new LineProgress(error).BatchScoring();

        scoring.Report(new BatchScoringProgress("scoring", 0.1, 100, 50, null));
        scoring.Report(new BatchScoringProgress("scoring", 0.2, 200, 50, null)); // within the second: skipped
        scoring.Report(new BatchScoringProgress("scoring", 1, 1000, 50, null));  // the end: printed

        string[] lines = error.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal(new BatchScoringProgress("scoring", 0.1, 100, 50, null).ToString(), lines[0]);
        Assert.Equal(new BatchScoringProgress("scoring", 1, 1000, 50, null).ToString(), lines[1]);
    }
}

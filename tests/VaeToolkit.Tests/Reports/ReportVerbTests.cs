using System.Text.Json;
using VaeToolkit.Orchestration.Reports;
using VaeToolkit.Tests.Cli;

namespace VaeToolkit.Tests.Reports;

public sealed class ReportVerbTests(ReportedRunsFixture runs) : IClassFixture<ReportedRunsFixture>
{
    [Fact]
    public void Report_PrintsTheMarkdownItWrote()
    {
        var (exit, output, error) = CliRunner.Run("report", "--run", runs.Vae);

        Assert.True(exit == 0, error);
        Assert.Equal(File.ReadAllText(Path.Combine(runs.Vae, RunReport.FileName)), output);
        Assert.StartsWith("# Run report: vae", output);
    }

    [Fact]
    public void Report_WithJson_PrintsThePathsAndTheMarkdown()
    {
        var (exit, output, error) = CliRunner.Run("report", "--run", runs.Ease, "--json");

        Assert.True(exit == 0, error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(Path.GetFullPath(runs.Ease), json.RootElement.GetProperty("run_path").GetString());
        Assert.Equal(Path.Combine(Path.GetFullPath(runs.Ease), RunReport.FileName), json.RootElement.GetProperty("report_path").GetString());
        Assert.Equal(Path.Combine(Path.GetFullPath(runs.Ease), RunReport.CurvesFileName), json.RootElement.GetProperty("curves_path").GetString());
        Assert.Equal(File.ReadAllText(Path.Combine(runs.Ease, RunReport.FileName)), json.RootElement.GetProperty("markdown").GetString());
    }

    [Fact]
    public void Report_OfAPathThatIsNoRun_FailsNamingIt()
    {
        string missing = runs.Scratch("nowhere");
        var (exit, output, error) = CliRunner.Run("report", "--run", missing);

        Assert.Equal(1, exit);
        Assert.Equal("", output);
        Assert.Contains($"run directory '{missing}' does not exist", error);
    }

    [Fact]
    public void Report_WithOpen_WithoutADesktop_SaysSo_NamingTheReport()
    {
        if (!OperatingSystem.IsLinux() || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY")) || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WAYLAND_DISPLAY")))
            Assert.Skip("needs Linux without a desktop session (DISPLAY and WAYLAND_DISPLAY unset)");

        var (exit, _, error) = CliRunner.Run("report", "--run", runs.Vae, "--open");

        Assert.Equal(1, exit);
        Assert.Contains(Path.Combine(Path.GetFullPath(runs.Vae), RunReport.FileName), error);
        Assert.Contains("no desktop", error);
    }

    [Fact]
    public void Test_OfARun_RecordsItsEvaluation_InTheReport()
    {
        string run = runs.Scratch("cli-tested");
        foreach (string file in Directory.EnumerateFiles(runs.Vae, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(run, Path.GetRelativePath(runs.Vae, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        var (exit, output, error) = CliRunner.Run("test", "--model", run, "--no-baseline");

        Assert.True(exit == 0, error);
        using var json = JsonDocument.Parse(output);
        string ndcg = json.RootElement.GetProperty("ndcg_at100").GetDouble().ToString("F4", System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(File.Exists(Path.Combine(run, RecordedEvaluation.FileName)));
        string report = File.ReadAllText(Path.Combine(run, RunReport.FileName));
        Assert.Contains($"| **vae** (this run) | **{ndcg}** |", report);
        Assert.Contains("Scored by Test-VaeModel (or `vaetoolkit test`)", report);
    }
}

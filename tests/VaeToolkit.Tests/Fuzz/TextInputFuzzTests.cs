using System.Globalization;
using VaeToolkit.Inference;
using VaeToolkit.Tests.Inference;

namespace VaeToolkit.Tests.Fuzz;

/// <summary>
/// The text-input fuzz drill: every config and data format the toolkit reads, mutated with fixed seeds, gives a
/// result or a located error, never another exception or a hang. <c>scripts/Invoke-FuzzDrill.ps1</c> runs the
/// same fuzzer for as long as asked.
/// </summary>
public sealed class TextInputFuzzTests : IDisposable
{
    private readonly TemporaryDirectory _scratch = new();
    private readonly TestModel _model = TestModel.Create();
    private readonly RecommendationService _service;
    private readonly TextInputFuzzer _fuzzer;

    public TextInputFuzzTests()
    {
        _service = RecommendationService.Open(_model.ModelDirectory);
        _fuzzer = new TextInputFuzzer(FuzzTarget.All(_service, _scratch.Path), _scratch.Path, TimeSpan.FromSeconds(20));
    }

    public void Dispose()
    {
        _service.Dispose();
        _model.Dispose();
        _scratch.Dispose();
    }

    [Theory]
    [InlineData(1), InlineData(2), InlineData(3)]
    public void MutatedInputs_GiveAResultOrALocatedError(int seed)
    {
        FuzzSummary summary = _fuzzer.Run(seed, inputs: 800);

        Assert.True(summary.Failures.Count == 0, summary.ToString());
    }

    /// <summary>The long drill: runs while <c>VAETOOLKIT_FUZZ_SECONDS</c> is set, and writes its figures to <c>VAETOOLKIT_FUZZ_REPORT</c>.</summary>
    [Fact]
    public void FuzzDrill_RunsAsLongAsAsked()
    {
        string seconds = Environment.GetEnvironmentVariable("VAETOOLKIT_FUZZ_SECONDS") ?? "";
        if (seconds.Length == 0) Assert.Skip("set VAETOOLKIT_FUZZ_SECONDS (scripts/Invoke-FuzzDrill.ps1) to run the long drill");
        int seed = int.Parse(Environment.GetEnvironmentVariable("VAETOOLKIT_FUZZ_SEED") ?? "1", CultureInfo.InvariantCulture);

        FuzzSummary summary = _fuzzer.Run(seed, duration: TimeSpan.FromSeconds(double.Parse(seconds, CultureInfo.InvariantCulture)));

        if (Environment.GetEnvironmentVariable("VAETOOLKIT_FUZZ_REPORT") is string report)
        {
            // The figures, every failure, and each failing input in a folder beside the report, to replay by hand.
            File.WriteAllText(report, string.Join("\n", [summary.ToString(), .. summary.Failures.Select(f => f.ToString())]) + "\n");
            foreach (var failure in summary.Failures.Take(100))
            {
                string folder = Directory.CreateDirectory(report + ".inputs").FullName;
                File.WriteAllBytes(Path.Combine(folder, $"{failure.Target}-{failure.Seed}-{failure.Index}-{failure.FileName}"), failure.Input);
            }
        }
        Assert.True(summary.Failures.Count == 0, summary.ToString());
    }
}

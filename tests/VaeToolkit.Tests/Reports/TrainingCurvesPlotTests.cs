using VaeToolkit.Orchestration.Reports;
using VaeToolkit.Training;

namespace VaeToolkit.Tests.Reports;

public sealed class TrainingCurvesPlotTests
{
    /// <summary>Epochs 1..n, the loss falling, validation every <paramref name="validationStep"/> epochs rising.</summary>
    private static List<EpochRecord> Epochs(int count, int validationStep = 1) =>
        [.. Enumerable.Range(1, count).Select(epoch => new EpochRecord(epoch, 500.0 / epoch, 0.2, 0.5, 1000,
            epoch % validationStep == 0 ? 0.1 + 0.01 * epoch : null, epoch % validationStep == 0 ? 0.1 : null, 100))];

    private static List<EpochRecord> LambdaSearch(params (double Lambda, double Ndcg)[] tried) =>
        [.. tried.Select((t, i) => new EpochRecord(i + 1, 0, 0, 1.5, 1000, t.Ndcg, 0.2, 100) { Settings = new Dictionary<string, double> { ["lambda"] = t.Lambda } })];

    [Fact]
    public void Render_GivesAPngOfTheDeclaredSize()
    {
        byte[] png = TrainingCurvesPlot.Render(Epochs(10, validationStep: 2), bestEpoch: 8, "run: vae on synthetic")!;

        Assert.Equal((TrainingCurvesPlot.Width, TrainingCurvesPlot.Height), PngImage.Size(png));
        // A chart of lines and text on white compresses well, but not to nothing, nor to raw pixels.
        Assert.InRange(png.Length, 10_000, TrainingCurvesPlot.Width * TrainingCurvesPlot.Height);
    }

    [Fact]
    public void Render_DrawsItsText_WithTheBundledFont()
    {
        // Without a font (Skia's Linux build on a host without /usr/share/fonts) the text would be missing and both images equal.
        var history = Epochs(5);
        byte[] a = TrainingCurvesPlot.Render(history, 5, "a")!;
        byte[] b = TrainingCurvesPlot.Render(history, 5, "a much longer title, in many more letters")!;
        Assert.True(PngImage.CountInk(b) > PngImage.CountInk(a) + 200, "the longer title should add ink");
    }

    [Fact]
    public void Render_MarksTheBestEpoch_InRed_OnlyWhenThereIsOne()
    {
        var history = Epochs(6);
        int marked = PngImage.CountColour(TrainingCurvesPlot.Render(history, 4, "t")!, 255, 0, 0);
        int unmarked = PngImage.CountColour(TrainingCurvesPlot.Render(history, null, "t")!, 255, 0, 0);
        Assert.True(marked > 20, $"{marked} red pixels: the best epoch's marker is missing");
        Assert.Equal(0, unmarked);
    }

    [Fact]
    public void Render_OfAnEmptyHistory_IsNothing() => Assert.Null(TrainingCurvesPlot.Render([], null, "t"));

    [Fact]
    public void Render_OfOneEpoch_StillDraws() =>
        Assert.Equal((TrainingCurvesPlot.Width, TrainingCurvesPlot.Height), PngImage.Size(TrainingCurvesPlot.Render(Epochs(1), 1, "t")!));

    [Fact]
    public void ASettingSearch_IsPlottedBySetting_TheChosenOneMarked()
    {
        var history = LambdaSearch((50, 0.30), (100, 0.34), (200, 0.33));
        Assert.True(TrainingCurvesPlot.IsSettingSearch(history));
        Assert.False(TrainingCurvesPlot.IsSettingSearch(Epochs(3)));
        Assert.Equal("lambda 200", TrainingCurvesPlot.SettingLabel(history[2]));

        byte[] png = TrainingCurvesPlot.Render(history, bestEpoch: 2, "run: ease")!;
        Assert.Equal((TrainingCurvesPlot.Width, TrainingCurvesPlot.Height), PngImage.Size(png));
        Assert.True(PngImage.CountColour(png, 255, 0, 0) > 20, "the chosen λ should be circled in red");
    }
}

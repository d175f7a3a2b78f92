using System.Globalization;
using VaeToolkit.Orchestration.Sweeps;

namespace VaeToolkit.Tests.Sweeps;

public sealed class SweepPlanTests
{
    private static string Settings(SweepTrial trial) => string.Join(" ", trial.Settings.Select(s => s.Override));

    [Fact]
    public void Grid_IsEveryCombination_KeysInOrdinalOrder_LastVaryingFastest()
    {
        var plan = SweepPlan.Grid([new SweepChoice("training.lam", ["0", "0.01"]), new SweepChoice("model.dropout", ["0.3", "0.5"])]);

        Assert.Equal(SweepPlan.GridKind, plan.Kind);
        Assert.Null(plan.Seed);
        Assert.Equal(
            ["model.dropout=0.3 training.lam=0", "model.dropout=0.3 training.lam=0.01", "model.dropout=0.5 training.lam=0", "model.dropout=0.5 training.lam=0.01"],
            plan.Trials.Select(Settings));
        Assert.Equal(["001-dropout=0.3-lam=0", "002-dropout=0.3-lam=0.01", "003-dropout=0.5-lam=0", "004-dropout=0.5-lam=0.01"], plan.Trials.Select(t => t.Name));
        Assert.Equal([1, 2, 3, 4], plan.Trials.Select(t => t.Index));
    }

    [Fact]
    public void Grid_OfThreeKeys_Has_TheProductOfTheirSizes_AllDifferent()
    {
        var plan = SweepPlan.Grid([new SweepChoice("a.x", ["1", "2"]), new SweepChoice("b.y", ["1", "2", "3"]), new SweepChoice("c.z", ["only"])]);

        Assert.Equal(2 * 3 * 1, plan.Trials.Count);
        Assert.Equal(plan.Trials.Count, plan.Trials.Select(Settings).Distinct().Count());
        Assert.Equal(plan.Trials.Count, plan.Trials.Select(t => t.Name).Distinct().Count());
        Assert.All(plan.Trials, t => Assert.Equal("c.z=only", t.Settings[2].Override));
    }

    [Fact]
    public void Names_UseTheWholeKey_WhenTwoKeysEndAlike_AndReplaceCharactersFoldersMind()
    {
        var trial = SweepPlan.Grid([new SweepChoice("a.dropout", ["1"]), new SweepChoice("b.dropout", ["2"]), new SweepChoice("model.encoder_dims", ["[600, 200]"])]).Trials.Single();

        Assert.Equal("001-a.dropout=1-b.dropout=2-encoder_dims=_600__200_", trial.Name);
        Assert.Equal("model.encoder_dims=[600, 200]", trial.Settings[2].Override); // the value trained with is untouched
    }

    [Fact]
    public void Names_ArePaddedToTheDigitsOfTheTrialCount()
    {
        var plan = SweepPlan.Random([new SweepChoice("a.x", ["1"])], samples: 1200, seed: 1);
        Assert.Equal("0001-x=1", plan.Trials[0].Name);
        Assert.Equal("1200-x=1", plan.Trials[^1].Name);
    }

    [Theory]
    [InlineData("range in a grid")]
    [InlineData("duplicate key")]
    [InlineData("no values")]
    [InlineData("no key")]
    [InlineData("nothing to vary")]
    public void Grid_RefusesWhatIsNotAGrid(string what)
    {
        SweepDimension[] dimensions = what switch
        {
            "range in a grid" => [new SweepRange("training.learning_rate", 1e-4, 1e-2)],
            "duplicate key" => [new SweepChoice("training.lam", ["0"]), new SweepChoice("training.lam", ["1"])],
            "no values" => [new SweepChoice("training.lam", [])],
            "no key" => [new SweepChoice("training.lam=1", ["0"])],
            _ => [],
        };
        var e = Assert.Throws<ArgumentException>(() => SweepPlan.Grid(dimensions));
        if (dimensions.Length > 0) Assert.Contains(dimensions[0].Key, e.Message);
    }

    [Fact]
    public void Random_TheSameSeedDrawsTheSameTrials_AnotherSeedOthers()
    {
        SweepDimension[] space = [new SweepRange("training.learning_rate", 1e-4, 1e-2, SweepScale.Log), new SweepRange("model.dropout", 0.2, 0.6), new SweepChoice("training.lam", ["0", "0.01"])];

        var first = SweepPlan.Random(space, 20, seed: 7);
        var again = SweepPlan.Random(space.Reverse(), 20, seed: 7);
        var other = SweepPlan.Random(space, 20, seed: 8);

        Assert.Equal(SweepPlan.RandomKind, first.Kind);
        Assert.Equal(7, first.Seed);
        Assert.Equal(first.Trials.Select(Settings), again.Trials.Select(Settings));
        Assert.Equal(first.Trials.Select(t => t.Name), again.Trials.Select(t => t.Name));
        Assert.NotEqual(first.Trials.Select(Settings), other.Trials.Select(Settings));
    }

    [Fact]
    public void Random_LinearRange_StaysInRange_WithFourSignificantDigits_AndCoversIt()
    {
        var values = Draws(new SweepRange("model.dropout", 0.2, 0.6), 400);

        Assert.All(values, v => Assert.InRange(v, 0.2, 0.6));
        Assert.All(values, v => Assert.Equal(v, double.Parse(v.ToString("G4", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)));
        // Even over [0.2, 0.6]: a quarter of the width below 0.3, so about 100 of 400.
        Assert.InRange(values.Count(v => v < 0.3), 60, 140);
        Assert.InRange(values.Count(v => v > 0.5), 60, 140);
    }

    [Fact]
    public void Random_LogRange_IsEvenInTheLogarithm()
    {
        var values = Draws(new SweepRange("training.learning_rate", 1e-4, 1e-2, SweepScale.Log), 400);

        Assert.All(values, v => Assert.InRange(v, 1e-4, 1e-2));
        // log10 is even over [-4, -2]: half below 1e-3 (a linear draw would put 0.0009/0.0099 = 9% there),
        // and a quarter below 10^-3.5.
        Assert.InRange(values.Count(v => v < 1e-3), 160, 240);
        Assert.InRange(values.Count(v => v < Math.Pow(10, -3.5)), 70, 130);
    }

    [Fact]
    public void Random_IntegerRange_DrawsEveryWholeNumberInItAndNothingElse()
    {
        var values = Draws(new SweepRange("training.batch_size", 100, 102, Integer: true), 200);
        Assert.Equal([100.0, 101.0, 102.0], values.Distinct().Order());
        Assert.All(SweepPlan.Random([new SweepRange("training.batch_size", 100, 102, Integer: true)], 20, 1).Trials,
            t => Assert.Matches("^10[0-2]$", t.Settings[0].Value));
    }

    [Fact]
    public void Random_Choice_DrawsOnlyItsValues_AndEachOfThem()
    {
        var plan = SweepPlan.Random([new SweepChoice("model.type", ["vae", "dae", "recvae"])], 60, seed: 3);
        Assert.Equal(["dae", "recvae", "vae"], plan.Trials.Select(t => t.Settings[0].Value).Distinct().Order());
    }

    [Theory]
    [InlineData(0.0, 1.0, SweepScale.Log)]
    [InlineData(-1.0, 1.0, SweepScale.Log)]
    [InlineData(2.0, 1.0, SweepScale.Linear)]
    [InlineData(double.NaN, 1.0, SweepScale.Linear)]
    public void Random_RefusesAnEmptyRange_OrALogRangeFromZero(double min, double max, SweepScale scale)
    {
        var e = Assert.Throws<ArgumentException>(() => SweepPlan.Random([new SweepRange("training.lam", min, max, scale)], 5, 1));
        Assert.Contains("training.lam", e.Message);
    }

    private static List<double> Draws(SweepRange range, int samples) =>
        SweepPlan.Random([range], samples, seed: 11).Trials.Select(t => double.Parse(t.Settings[0].Value, CultureInfo.InvariantCulture)).ToList();
}

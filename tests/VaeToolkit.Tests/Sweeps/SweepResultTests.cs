using VaeToolkit.Orchestration.Sweeps;

namespace VaeToolkit.Tests.Sweeps;

public sealed class SweepResultTests
{
    private static readonly SweepPlan Plan = SweepPlan.Grid([new SweepChoice("training.lam", ["0", "0.01", "0.1", "1"])]);

    private static SweepTrialResult Row(int index, double? ndcg) =>
        new(Plan.Trials[index], ndcg is null ? SweepTrialStatus.Failed : SweepTrialStatus.Trained, $"/sweep/{Plan.Trials[index].Name}", BestValidationNdcgAt100: ndcg,
            Error: ndcg is null ? "out of memory, \"badly\"" : null);

    [Fact]
    public void Ranked_PutsTheBestValidationNdcgFirst_TrialsWithoutOneLast_AndFlagsOnlyTheBest()
    {
        var result = SweepResult.Ranked("/sweep", Plan, [Row(0, 0.2), Row(1, null), Row(2, 0.5), Row(3, 0.3)]);

        Assert.Equal([0.5, 0.3, 0.2, null], result.Trials.Select(t => t.BestValidationNdcgAt100));
        Assert.Equal([1, 2, 3, 4], result.Trials.Select(t => t.Rank));
        Assert.Equal([true, false, false, false], result.Trials.Select(t => t.IsBest));
        Assert.Same(result.Trials[0], result.Best);
        Assert.Equal("003-lam=0.1", result.Best!.Trial.Name);
    }

    [Fact]
    public void Ranked_KeepsPlanOrderForTies_AndHasNoBestWhenNoTrialScored()
    {
        var ties = SweepResult.Ranked("/sweep", Plan, [Row(3, 0.4), Row(1, 0.4)]);
        Assert.Equal([2, 4], ties.Trials.Select(t => t.Trial.Index));

        var none = SweepResult.Ranked("/sweep", Plan, [Row(0, null), Row(1, null)]);
        Assert.Null(none.Best);
        Assert.All(none.Trials, t => Assert.False(t.IsBest));
    }

    [Fact]
    public void Csv_HasAColumnPerSweptKey_BestFirst_AndQuotesWhatNeedsIt()
    {
        var result = SweepResult.Ranked("/sweep", Plan, [Row(0, 0.25), Row(1, null)]);
        string[] lines = SweepResultsFile.ToCsv(result).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("rank,best,trial,status,training.lam,best_epoch,validation_ndcg_at100,test_ndcg_at100,seconds,error", lines[0]);
        Assert.Equal("1,true,001-lam=0,trained,0,,0.25,,,", lines[1]);
        Assert.Equal("2,false,002-lam=0.01,failed,0.01,,,,,\"out of memory, \"\"badly\"\"\"", lines[2]);
        Assert.Equal(3, lines.Length);
    }

    [Fact]
    public void Json_NamesTheBestTrial()
    {
        var result = SweepResult.Ranked("/sweep", Plan, [Row(0, 0.25), Row(2, 0.75)]);
        using var json = System.Text.Json.JsonDocument.Parse(SweepResultsFile.ToJson(result));

        Assert.Equal("003-lam=0.1", json.RootElement.GetProperty("best").GetString());
        Assert.Equal("grid", json.RootElement.GetProperty("kind").GetString());
        var first = json.RootElement.GetProperty("trials")[0];
        Assert.Equal(0.75, first.GetProperty("best_validation_ndcg_at100").GetDouble());
        Assert.Equal("0.1", first.GetProperty("settings").GetProperty("training.lam").GetString());
    }
}

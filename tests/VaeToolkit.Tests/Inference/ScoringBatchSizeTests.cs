using VaeToolkit.Inference;

namespace VaeToolkit.Tests.Inference;

public sealed class ScoringBatchSizeTests
{
    [Theory]
    [InlineData("cpu", 500)]
    [InlineData("cpu", 1000)]
    public void OnTheCpu_TheCallersDefaultHolds(string device, int cpuDefault) =>
        Assert.Equal(cpuDefault, ScoringBatchSize.For(device, 20_108, cpuDefault));

    [Theory]
    [InlineData("cuda", 20_108, 13_349)]      // ML-20M: 13,349 × 20,108 × 4 bytes is just under 1 GiB
    [InlineData("cuda:1", 17_769, 15_106)]    // Netflix's 17,769 items
    [InlineData("CUDA", 41_140, 6_524)]       // MSD's 41,140 songs
    [InlineData("cuda", 100, 65_536)]         // a small catalogue: capped
    [InlineData("cuda", 2_565_241, 1_000)]    // Pinterest-size catalogue: at least 1,000 users a call
    public void OnCuda_AboutOneGibibyteOfScores(string device, int items, int expected)
    {
        int users = ScoringBatchSize.For(device, items, cpuDefault: 500);

        Assert.Equal(expected, users);
        if (users is > ScoringBatchSize.GpuMinimum and < ScoringBatchSize.GpuMaximum)
        {
            Assert.True((long)users * items * sizeof(float) <= ScoringBatchSize.GpuScoresBudgetBytes);
            Assert.True((long)(users + 1) * items * sizeof(float) > ScoringBatchSize.GpuScoresBudgetBytes);
        }
    }

    [Fact]
    public void RecommendationService_WithoutABatchSize_TakesTheCpuDefault()
    {
        using var model = TestModel.Create();
        using var service = RecommendationService.Open(model.ModelDirectory);
        using var given = RecommendationService.Open(model.ModelDirectory, batchSize: 7);

        Assert.Equal((RecommendationService.DefaultBatchSize, 7), (service.BatchSize, given.BatchSize));
    }
}

using VaeToolkit.Serving.Scoring;

namespace VaeToolkit.Tests.Serving;

/// <summary>The micro-batcher's guess of how many users a call should wait for, on a clock the test moves.</summary>
public sealed class WaitingPeakTests
{
    private sealed class ManualClock : TimeProvider
    {
        public long Ticks { get; set; }

        public override long TimestampFrequency => 1_000_000;

        public override long GetTimestamp() => Ticks;

        public void Advance(TimeSpan by) => Ticks += (long)(by.TotalSeconds * TimestampFrequency);
    }

    [Fact]
    public void ALoneUser_WaitsForNobody()
    {
        var clock = new ManualClock();
        var peak = new WaitingPeak(TimeSpan.FromSeconds(0.25), clock);

        for (int i = 0; i < 5; i++)
        {
            peak.Arrived();
            Assert.Equal(1, peak.Target());
            peak.Left(1);
            clock.Advance(TimeSpan.FromMilliseconds(2));
        }
    }

    [Fact]
    public void ABurstsPeak_IsKeptForOneWindow_ThenForgotten()
    {
        var clock = new ManualClock();
        var peak = new WaitingPeak(TimeSpan.FromSeconds(0.25), clock);
        for (int i = 0; i < 32; i++) peak.Arrived();
        Assert.Equal(32, peak.Target());
        peak.Left(32);

        // One user now: within the window the burst is still expected.
        clock.Advance(TimeSpan.FromMilliseconds(200));
        peak.Arrived();
        Assert.Equal(32, peak.Target());

        // The window has passed: this call still gets the old peak and starts a new window from what waits now...
        clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(32, peak.Target());
        peak.Left(1);

        // ...after which a lone user waits for nobody, a quarter of a second after the burst, not a second.
        clock.Advance(TimeSpan.FromMilliseconds(2));
        peak.Arrived();
        Assert.Equal(1, peak.Target());
    }

    [Fact]
    public void SteadyLoad_KeepsItsSize_AcrossWindows()
    {
        var clock = new ManualClock();
        var peak = new WaitingPeak(TimeSpan.FromSeconds(0.25), clock);
        var targets = new List<int>();

        // 32 clients for two seconds: each round all of them wait, one call answers them, 10 ms a round.
        for (int round = 0; round < 200; round++)
        {
            for (int i = 0; i < 32; i++) peak.Arrived();
            targets.Add(peak.Target());
            peak.Left(32);
            clock.Advance(TimeSpan.FromMilliseconds(10));
        }

        Assert.All(targets, target => Assert.Equal(32, target));
    }
}

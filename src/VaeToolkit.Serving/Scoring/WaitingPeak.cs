namespace VaeToolkit.Serving.Scoring;

/// <summary>
/// Counts the users submitted to the <see cref="MicroBatcher"/> and not yet answered, and keeps the most that
/// were waiting at once over a rolling window: how many users a call should wait for. A burst's peak is kept
/// for one window after it ends, then forgotten, so lone requests stop waiting for company that will not come.
/// </summary>
internal sealed class WaitingPeak(TimeSpan window, TimeProvider clock)
{
    private readonly long windowTicks = (long)(window.TotalSeconds * clock.TimestampFrequency);

    private int pending; // submitted and not yet answered
    private int peak;
    private long since = clock.GetTimestamp();

    /// <summary>A user was submitted.</summary>
    public void Arrived()
    {
        int now = Interlocked.Increment(ref pending);
        if (now > Volatile.Read(ref peak)) Volatile.Write(ref peak, now);
    }

    /// <summary><paramref name="users"/> submitted users were answered (or never queued).</summary>
    public void Left(int users) => Interlocked.Add(ref pending, -users);

    /// <summary>
    /// How many users the next call should wait for: the most that were waiting at once in this window. When the
    /// window has passed, a new one starts from what is waiting now (this call still gets the old window's peak).
    /// Called from the scoring thread only.
    /// </summary>
    public int Target()
    {
        long now = clock.GetTimestamp();
        int target = Volatile.Read(ref peak);
        if (now - since > windowTicks)
        {
            since = now;
            Volatile.Write(ref peak, Math.Max(1, Volatile.Read(ref pending)));
        }
        return target;
    }
}

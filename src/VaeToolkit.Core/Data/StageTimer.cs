using System.Diagnostics;

namespace VaeToolkit.Data;

/// <summary>Times named stages of a preparation, in seconds.</summary>
internal sealed class StageTimer
{
    private readonly Dictionary<string, double> _seconds = [];

    public IReadOnlyDictionary<string, double> Seconds => _seconds;

    public T Time<T>(string stage, Func<T> work)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            return work();
        }
        finally
        {
            _seconds[stage] = _seconds.GetValueOrDefault(stage) + Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
    }
}

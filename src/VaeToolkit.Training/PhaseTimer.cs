using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace VaeToolkit.Training;

/// <summary>
/// Where an epoch's training time goes. The trainer marks the end of each phase of a step (upload,
/// forward, ...); the time since the previous mark is added to that phase. On the CPU that is the host's
/// clock. On CUDA it is the device's own: each mark queues an event in libtorch's stream and the events
/// are read when the epoch ends (the host waits for the device there anyway), so a phase's figure is
/// the device's time from the previous mark to its own. Time the device spent waiting for the host
/// counts in the phase the host was late with. With several GPUs, the first one is timed.
/// </summary>
internal sealed class PhaseTimer : IDisposable
{
    private readonly int? _cudaDevice;
    private readonly Stopwatch _clock = new();
    private readonly Dictionary<string, double> _seconds = [];
    private readonly List<IntPtr> _events = []; // event 0 starts the epoch, event i + 1 ends mark i; reused every epoch
    private readonly List<string> _marks = [];
    private bool _eventsFailed;

    public PhaseTimer(Device device) =>
        _cudaDevice = device.type == DeviceType.CUDA ? Math.Max(device.index, 0) : null;

    public void Start()
    {
        _seconds.Clear();
        _marks.Clear();
        _clock.Restart();
        if (_cudaDevice is not null) Record(0);
    }

    /// <summary>Ends <paramref name="phase"/>: the time since the previous mark (or the start) is its.</summary>
    public void Mark(string phase)
    {
        if (_cudaDevice is not null)
        {
            _marks.Add(phase);
            Record(_marks.Count);
            return;
        }
        _seconds[phase] = _seconds.GetValueOrDefault(phase) + _clock.Elapsed.TotalSeconds;
        _clock.Restart();
    }

    /// <summary>The epoch's seconds per phase; empty when the CUDA events could not be used.</summary>
    public IReadOnlyDictionary<string, double> Stop()
    {
        for (int i = 0; i < _marks.Count && !_eventsFailed; i++)
        {
            if (CudaRuntime.ElapsedMilliseconds(_events[i], _events[i + 1]) is not double milliseconds)
                _eventsFailed = true;
            else
                _seconds[_marks[i]] = _seconds.GetValueOrDefault(_marks[i]) + milliseconds / 1000;
        }
        return _eventsFailed ? new Dictionary<string, double>() : new Dictionary<string, double>(_seconds);
    }

    private void Record(int index)
    {
        if (_eventsFailed) return;
        // Events belong to a device: they are made and recorded with the timed device current.
        if (!CudaRuntime.SetDevice(_cudaDevice!.Value)) { _eventsFailed = true; return; }
        if (index == _events.Count)
        {
            if (CudaRuntime.CreateEvent() is not IntPtr created) { _eventsFailed = true; return; }
            _events.Add(created);
        }
        if (!CudaRuntime.RecordEvent(_events[index])) _eventsFailed = true;
    }

    public void Dispose()
    {
        foreach (var cudaEvent in _events) CudaRuntime.DestroyEvent(cudaEvent);
        _events.Clear();
    }
}

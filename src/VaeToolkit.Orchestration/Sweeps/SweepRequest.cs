namespace VaeToolkit.Orchestration.Sweeps;

/// <summary>What to sweep and where.</summary>
/// <param name="ConfigPath">The experiment file every trial starts from.</param>
/// <param name="Overrides">Overrides every trial shares (<c>-Set</c>, <c>-Device</c>...), applied before the trial's own.</param>
/// <param name="Directory">The sweep folder: one run folder per trial, the plan and the results table.</param>
/// <param name="Parallelism">Trials trained at once, in this process.</param>
public sealed record SweepRequest(string ConfigPath, IReadOnlyList<string> Overrides, SweepPlan Plan, string Directory, int Parallelism = 1);

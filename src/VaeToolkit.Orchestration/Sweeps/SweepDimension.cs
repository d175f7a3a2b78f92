namespace VaeToolkit.Orchestration.Sweeps;

/// <summary>One setting a sweep varies, named by its override key (<c>training.lam</c>) as <c>-Set</c> takes it.</summary>
public abstract record SweepDimension(string Key);

using System.Collections;
using System.Globalization;
using System.Management.Automation;
using VaeToolkit.Configuration;
using VaeToolkit.Orchestration.Sweeps;
using VaeToolkit.Training;

namespace VaeToolkit.PowerShell;

/// <summary>
/// Invoke-VaeSweep: trains one run per setting of a grid (every combination) or of a random search (-Samples
/// draws over ranges, seeded), each in its own run folder under -OutputPath as Invoke-VaeTraining would, and
/// writes the trials ranked by validation NDCG@100. Re-running the same sweep skips finished trials and resumes
/// interrupted ones.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "VaeSweep", SupportsShouldProcess = true, DefaultParameterSetName = GridSet)]
[OutputType(typeof(VaeSweepTrial))]
[OutputType(typeof(Job))]
public sealed class InvokeVaeSweepCommand : TrainingCommandBase
{
    private const string GridSet = "Grid";
    private const string RandomSet = "Random";

    private static readonly HashSet<string> RangeFields = new(["Min", "Max", "Scale"], StringComparer.OrdinalIgnoreCase);

    /// <summary>Override keys and the values to try: every combination is a trial.</summary>
    [Parameter(Mandatory = true, ParameterSetName = GridSet)]
    [ValidateNotNullOrEmpty]
    public Hashtable Grid { get; set; } = [];

    /// <summary>Override keys and what to draw from: @{ Min; Max; Scale = 'Linear'|'Log' } for a range, a list for a choice.</summary>
    [Parameter(Mandatory = true, ParameterSetName = RandomSet)]
    [ValidateNotNullOrEmpty]
    public Hashtable Space { get; set; } = [];

    /// <summary>Trials of the random search.</summary>
    [Parameter(Mandatory = true, ParameterSetName = RandomSet)]
    [ValidateRange(1, 10000)]
    public int Samples { get; set; }

    /// <summary>Seed of the random search: the same seed draws the same trials.</summary>
    [Parameter(ParameterSetName = RandomSet)]
    public int Seed { get; set; } = 1;

    /// <summary>The sweep folder: a run folder per trial, sweep-plan.json, sweep.json and sweep.csv.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string OutputPath { get; set; } = "";

    /// <summary>Trials trained at once, in this process (they share libtorch's threads).</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 1;

    protected override void EndProcessing()
    {
        LoadConfig(); // the config file and the shared overrides, before any trial's
        SweepPlan plan = MakePlan();
        if (!FileSystemPaths.TryUnresolved(SessionState.Path, OutputPath, out string? directory, out ErrorRecord? pathError))
        {
            ThrowTerminatingError(pathError);
            return;
        }
        var request = new SweepRequest(ConfigPath!, Overrides(), plan, directory, ThrottleLimit);
        try
        {
            // Every trial's config and the folder's earlier plan are checked before anything runs.
            SweepRunner.CheckPlan(request, SweepRunner.ResolveConfigs(request));
        }
        catch (ConfigException e)
        {
            ThrowTerminatingError(EngineErrors.ToErrorRecord(e, ConfigPath));
        }
        catch (SweepPlanChangedException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, ErrorIds.SweepPlanChanged, ErrorCategory.ResourceExists, e.Directory));
        }
        catch (InvalidDataException e)
        {
            ThrowTerminatingError(EngineErrors.ToErrorRecord(e, directory));
        }

        string action = $"Train {plan.Trials.Count} trials of a {plan.Kind} search, {ThrottleLimit} at a time";
        if (!ShouldProcess(directory, action)) return;
        if (TryStartJob((nameof(OutputPath), directory))) return;

        SweepResult result = Run(request);
        foreach (var row in result.Trials)
        {
            if (row.Status == SweepTrialStatus.Failed)
                WriteError(new ErrorRecord(new InvalidOperationException($"trial {row.Trial.Name} failed: {row.Error}"), ErrorIds.TrialFailed, ErrorCategory.InvalidResult, row.RunPath));
            WriteObject(VaeSweepTrial.From(row));
        }
    }

    private SweepResult Run(SweepRequest request)
    {
        var view = new SweepProgressView(request.Plan.Trials.Count);
        using var worker = new PipelineWorker();
        var progress = worker.Report<SweepProgress>(p =>
        {
            foreach (var record in view.Update(p)) WriteProgress(record);
        });
        var log = worker.Report<string>(line =>
        {
            if (line.StartsWith(Trainer.WarningPrefix, StringComparison.Ordinal)) WriteWarning(line[Trainer.WarningPrefix.Length..]);
            else WriteVerbose(line);
        });
        try
        {
            return worker.Run(token => SweepRunner.Run(request, progress, log, token), StopToken);
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            // Ctrl+C or Stop-Job: the running trials stopped after their current batch and kept their checkpoints.
            throw new PipelineStoppedException();
        }
        catch (Exception e) when (EngineErrors.IsExpected(e))
        {
            WriteVerbose(EngineErrors.Details(e));
            ThrowTerminatingError(EngineErrors.ToErrorRecord(e, request.Directory));
            throw new System.Diagnostics.UnreachableException();
        }
        finally
        {
            if (!StopToken.IsCancellationRequested)
                foreach (var record in view.Complete()) WriteProgress(record);
        }
    }

    private SweepPlan MakePlan()
    {
        try
        {
            return ParameterSetName == GridSet
                ? SweepPlan.Grid(Dimensions(Grid, ranges: false))
                : SweepPlan.Random(Dimensions(Space, ranges: true), Samples, Seed);
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, ParameterSetName == GridSet ? Grid : Space));
            throw new System.Diagnostics.UnreachableException();
        }
    }

    /// <summary>The hashtable's entries as dimensions: a hashtable with Min and Max is a range, anything else a list of values.</summary>
    private static List<SweepDimension> Dimensions(Hashtable table, bool ranges)
    {
        var dimensions = new List<SweepDimension>();
        foreach (DictionaryEntry entry in table)
        {
            string key = Text(entry.Key);
            object? value = Unwrap(entry.Value);
            if (value is IDictionary range)
            {
                if (!ranges) throw new ArgumentException($"sweep key '{key}': a grid takes lists of values; a range (Min, Max) needs a random search (-Space with -Samples)");
                dimensions.Add(Range(key, range));
            }
            else
            {
                var values = value is IEnumerable list and not string ? list.Cast<object?>().Select(Text).ToList() : [Text(value)];
                dimensions.Add(new SweepChoice(key, values));
            }
        }
        return dimensions;
    }

    private static SweepRange Range(string key, IDictionary range)
    {
        var fields = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry field in range) fields[Text(field.Key)] = Unwrap(field.Value);
        foreach (string name in fields.Keys)
            if (!RangeFields.Contains(name))
                throw new ArgumentException($"sweep key '{key}': unknown range field '{name}' (a range has Min, Max and optionally Scale)");
        object? min = fields.GetValueOrDefault("Min"), max = fields.GetValueOrDefault("Max");
        if (min is null || max is null) throw new ArgumentException($"sweep key '{key}': a range needs both Min and Max");
        var scale = SweepScale.Linear;
        if (fields.GetValueOrDefault("Scale") is { } scaleValue && !Enum.TryParse(Text(scaleValue), ignoreCase: true, out scale))
            throw new ArgumentException($"sweep key '{key}': Scale must be Linear or Log, not '{Text(scaleValue)}'");
        bool integer = IsInteger(min) && IsInteger(max);
        return new SweepRange(key, Number(key, "Min", min), Number(key, "Max", max), scale, integer);
    }

    private static bool IsInteger(object value) => value is int or long or short or byte or sbyte or ushort or uint;

    private static double Number(string key, string field, object value)
    {
        try
        {
            return Convert.ToDouble(value, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
        {
            throw new ArgumentException($"sweep key '{key}': {field} must be a number, not '{Text(value)}'", e);
        }
    }

    private static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;

    /// <summary>A value as -Set writes it: invariant numbers, lowercase booleans, lists as [a, b].</summary>
    private static string Text(object? value) => Unwrap(value) switch
    {
        null => "null",
        string text => text,
        bool flag => flag ? "true" : "false",
        double number => number.ToString("R", CultureInfo.InvariantCulture),
        float number => number.ToString("R", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable list => $"[{string.Join(", ", list.Cast<object?>().Select(Text))}]",
        var other => other.ToString() ?? "",
    };
}

using VaeToolkit.Configuration;
using VaeToolkit.Orchestration.Runs;
using VaeToolkit.Training;
using VaeToolkit.Training.Models;

namespace VaeToolkit.Tests.Runs;

/// <summary>
/// Small real runs for the comparison tests, trained once per test class: two model types on the same
/// data (<see cref="Vae"/>, <see cref="Dae"/>) and a longer one (<see cref="LongerVae"/>), the same data with
/// another seed (<see cref="OtherSeed"/>, so another split), other data (<see cref="OtherItems"/>), and a run
/// stopped after its first epoch (<see cref="Interrupted"/>, no test evaluation).
/// </summary>
public sealed class ComparedRunsFixture : IDisposable
{
    private readonly TemporaryDirectory _scratch = new();

    public ComparedRunsFixture()
    {
        Vae = Train("vae", Config());
        Dae = Train("dae", Config(type: "dae"));
        LongerVae = Train("vae-longer", Config(epochs: 4));
        OtherSeed = Train("other-seed", Config(seed: 4));
        OtherItems = Train("other-items", Config(items: 250));

        Interrupted = _scratch.Combine("interrupted");
        using var cancel = new CancellationTokenSource();
        try
        {
            TrainingJob.Run(new TrainingRequest(Config(epochs: 3), Interrupted), new StopAt(cancel, epoch: 2), cancellationToken: cancel.Token);
            throw new InvalidOperationException("the run to interrupt was not stopped");
        }
        catch (OperationCanceledException)
        {
        }
    }

    public string Vae { get; }

    public string Dae { get; }

    public string LongerVae { get; }

    public string OtherSeed { get; }

    public string OtherItems { get; }

    public string Interrupted { get; }

    /// <summary>A folder of the fixture's own, for a test's copies.</summary>
    public string Scratch(string name) => _scratch.Combine(name);

    public void Dispose() => _scratch.Dispose();

    private string Train(string name, VaeConfig config) =>
        TrainingJob.Run(new TrainingRequest(config, _scratch.Combine(name))).RunPath;

    private static VaeConfig Config(string type = "vae", int epochs = 2, int seed = 3, int items = 200) => ModelRegistry.ConfigLoader.Parse($$"""
        seed: {{seed}}
        data:
          dataset: synthetic
          positive_threshold: null
          heldout_users: 60
          synthetic: { users: 600, items: {{items}}, tastes: 4, mean_items_per_user: 20 }
        model: { type: {{type}}, encoder_dims: [32, 8] }
        training: { epochs: {{epochs}}, batch_size: 100, learning_rate: 0.01, total_anneal_steps: 50, threads: 1, checkpoint_step: 1 }
        """, "/configs/small.yaml");

    private sealed class StopAt(CancellationTokenSource cancel, int epoch) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Epoch == epoch) cancel.Cancel();
        }
    }
}

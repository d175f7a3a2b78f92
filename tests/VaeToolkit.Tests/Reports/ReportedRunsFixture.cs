using VaeToolkit.Configuration;
using VaeToolkit.Orchestration.Runs;
using VaeToolkit.Training.Models;

namespace VaeToolkit.Tests.Reports;

/// <summary>Small real runs for the report tests, trained once per test class: a Mult-VAE validated every other epoch, and EASE (no epochs, λ searched).</summary>
public sealed class ReportedRunsFixture : IDisposable
{
    private readonly TemporaryDirectory _scratch = new();

    public ReportedRunsFixture()
    {
        Vae = TrainingJob.Run(new TrainingRequest(Config("{ encoder_dims: [32, 8] }", "validation_step: 2, "), _scratch.Combine("vae"))).RunPath;
        Ease = TrainingJob.Run(new TrainingRequest(Config("{ type: ease, ease: { lambda_grid: [20, 200] } }", ""), _scratch.Combine("ease"))).RunPath;
    }

    public string Vae { get; }

    public string Ease { get; }

    /// <summary>A folder of the fixture's own, for a test's copies.</summary>
    public string Scratch(string name) => _scratch.Combine(name);

    public void Dispose() => _scratch.Dispose();

    private static VaeConfig Config(string model, string training) => ModelRegistry.ConfigLoader.Parse($$"""
        seed: 5
        data:
          dataset: synthetic
          positive_threshold: null
          heldout_users: 50
          synthetic: { users: 500, items: 150, tastes: 4, mean_items_per_user: 20 }
        model: {{model}}
        training: { epochs: 4, {{training}}batch_size: 100, learning_rate: 0.01, total_anneal_steps: 50, threads: 1 }
        """, "/configs/report.yaml");
}

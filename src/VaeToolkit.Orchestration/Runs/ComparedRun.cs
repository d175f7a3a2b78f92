namespace VaeToolkit.Orchestration.Runs;

/// <summary>
/// One run of a comparison (<see cref="RunComparison"/>): its test scores, how long it trained, how big its
/// model is and the data it was trained on. The scores are those recorded in the run's manifest; a model
/// directory without a run is evaluated (<see cref="TestSource"/>).
/// </summary>
public sealed record ComparedRun
{
    /// <summary>The run directory, or the model directory when it belongs to no run.</summary>
    public required string Path { get; init; }

    /// <summary>The directory's name, such as <c>mls-dae</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The model card's <c>model_type</c>, such as <c>vae</c> or <c>dae</c>.</summary>
    public required string ModelType { get; init; }

    /// <summary>The run's status (completed, or running while a resumed run has not exported yet); null for a model directory.</summary>
    public string? Status { get; init; }

    public required string Dataset { get; init; }

    /// <summary>The prepared data's hash: the source files and the split settings, seed included.</summary>
    public required string DataHash { get; init; }

    public required int Items { get; init; }

    /// <summary>Training users, from the manifest (null for a model directory).</summary>
    public int? TrainUsers { get; init; }

    /// <summary>Held-out test users (those with target items are <see cref="EvaluatedUsers"/>).</summary>
    public required int TestUsers { get; init; }

    /// <summary>Test users with target items, the ones the metrics average over.</summary>
    public required int EvaluatedUsers { get; init; }

    public required double NdcgAt100 { get; init; }

    public required double RecallAt20 { get; init; }

    public required double RecallAt50 { get; init; }

    public required double PopularityNdcgAt100 { get; init; }

    public required double PopularityRecallAt20 { get; init; }

    public required double PopularityRecallAt50 { get; init; }

    /// <summary>The epoch whose weights were exported.</summary>
    public int? BestEpoch { get; init; }

    /// <summary>Epochs trained (null for a model directory).</summary>
    public int? Epochs { get; init; }

    public double? BestValidationNdcgAt100 { get; init; }

    /// <summary>The manifest's <c>train</c> timing, summed over the run's sessions (null for a model directory).</summary>
    public double? TrainSeconds { get; init; }

    /// <summary>The manifest's <c>total</c> timing: data, training, export and evaluation, summed over the sessions.</summary>
    public double? TotalSeconds { get; init; }

    /// <summary>The bytes of the files of the model directory.</summary>
    public required long ModelBytes { get; init; }

    /// <summary>How the exported graphs store their weights (fp32, fp16, bf16 or int8).</summary>
    public required string Precision { get; init; }

    /// <summary>Where the run trained (cpu, cuda, cuda:N); null for a model directory.</summary>
    public string? Device { get; init; }

    public required string ModelPath { get; init; }

    /// <summary><c>manifest</c>: the scores the run recorded; <c>evaluated</c>: a model directory scored now.</summary>
    public required string TestSource { get; init; }
}

/// <summary>The popularity baseline of the runs' common test users (training popularity, the users' own items left out).</summary>
public sealed record PopularityBaseline(double NdcgAt100, double RecallAt20, double RecallAt50);

/// <summary>Runs on the same data and split, best NDCG@100 first, and the popularity baseline they share.</summary>
public sealed record RunComparisonReport(
    string Dataset,
    string DataHash,
    int Items,
    int TestUsers,
    PopularityBaseline Popularity,
    IReadOnlyList<ComparedRun> Runs);

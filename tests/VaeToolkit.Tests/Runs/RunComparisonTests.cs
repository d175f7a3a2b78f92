using VaeToolkit.Orchestration.Runs;
using VaeToolkit.Runs;

namespace VaeToolkit.Tests.Runs;

/// <summary><see cref="RunComparison"/> on real small runs: values from the manifests, order, refusals.</summary>
public sealed class RunComparisonTests(ComparedRunsFixture runs) : IClassFixture<ComparedRunsFixture>
{
    private static RunManifest Manifest(string run) => RunManifest.Load(Path.Combine(run, RunFiles.Manifest));

    private static RunComparisonReport Compare(params string[] paths) => RunComparison.Compare(paths, cancellationToken: TestContext.Current.CancellationToken);

    private static ComparedRun Load(string path) => RunComparison.Load(path, cancellationToken: TestContext.Current.CancellationToken);

    private static ModelCard Card(string run) => ModelCard.Load(Path.Combine(run, RunFiles.ModelFolder, ModelFiles.Card));

    [Fact]
    public void EachRow_HoldsWhatItsRunRecorded()
    {
        var report = Compare(runs.Vae, runs.Dae, runs.LongerVae);

        Assert.Equal(3, report.Runs.Count);
        foreach (ComparedRun row in report.Runs)
        {
            RunManifest manifest = Manifest(row.Path);
            ModelCard card = Card(row.Path);
            Assert.Equal(manifest.Test!.NdcgAt100, row.NdcgAt100);
            Assert.Equal(manifest.Test.RecallAt20, row.RecallAt20);
            Assert.Equal(manifest.Test.RecallAt50, row.RecallAt50);
            Assert.Equal(manifest.Test.Users, row.EvaluatedUsers);
            Assert.Equal(manifest.TimingsSeconds["train"], row.TrainSeconds);
            Assert.Equal(manifest.TimingsSeconds["total"], row.TotalSeconds);
            Assert.Equal(manifest.BestEpoch, row.BestEpoch);
            Assert.Equal(manifest.History.Count, row.Epochs);
            Assert.Equal(manifest.Status, row.Status);
            Assert.Equal(card.ModelType, row.ModelType);
            Assert.Equal(manifest.Data!.DataHash, row.DataHash);
            Assert.Equal(manifest.Data.TestUsers, row.TestUsers);
            string model = Path.Combine(row.Path, RunFiles.ModelFolder);
            Assert.Equal(model, row.ModelPath);
            Assert.Equal(Directory.GetFiles(model).Sum(file => new FileInfo(file).Length), row.ModelBytes);
            Assert.Equal("manifest", row.TestSource);
        }
        Assert.Equal(["dae", "vae", "vae"], report.Runs.Select(r => r.ModelType).Order());
        Assert.Equal(4, report.Runs.Single(r => r.Path == runs.LongerVae).Epochs);
        Assert.Equal(Path.GetFileName(runs.Dae), report.Runs.Single(r => r.ModelType == "dae").Name);

        // The baseline, once, is the runs' own (the same test users and training popularity for each).
        var test = Manifest(runs.Vae).Test!;
        Assert.Equal(new PopularityBaseline(test.PopularityNdcgAt100, test.PopularityRecallAt20, test.PopularityRecallAt50), report.Popularity);
        Assert.Equal(Manifest(runs.Vae).Data!.Items, report.Items);
        Assert.Equal(60, report.TestUsers);
    }

    [Fact]
    public void Runs_AreSortedByNdcgAt100_Descending_WhateverTheOrderGiven()
    {
        string[] given = [runs.Vae, runs.Dae, runs.LongerVae];
        var expected = given.OrderByDescending(run => Manifest(run).Test!.NdcgAt100).ToArray();
        Assert.NotEqual(Manifest(runs.Vae).Test!.NdcgAt100, Manifest(runs.Dae).Test!.NdcgAt100); // else the order says little

        Assert.Equal(expected, Compare(given).Runs.Select(r => r.Path));
        Assert.Equal(expected, Compare([.. given.Reverse()]).Runs.Select(r => r.Path));
    }

    [Fact]
    public void ARunGivenTwice_CountsOnce_AndItsModelFolderIsTheRun()
    {
        var report = Compare(runs.Vae, runs.Vae + Path.DirectorySeparatorChar, Path.Combine(runs.Vae, RunFiles.ModelFolder), runs.Dae);

        Assert.Equal(2, report.Runs.Count);
        Assert.Contains(runs.Vae, report.Runs.Select(r => r.Path));
    }

    [Fact]
    public void RunsWithAnotherSeed_AreRefused_NamingThemAndTheDataHash()
    {
        var error = Assert.Throws<RunsNotComparableException>(() => Compare(runs.Vae, runs.Dae, runs.OtherSeed));

        Assert.Contains("cannot compare runs trained on different data or splits (they differ in data hash)", error.Message);
        Assert.Contains($"'{runs.OtherSeed}'", error.Message);
        Assert.Contains($"'{runs.Vae}', '{runs.Dae}'", error.Message);
        Assert.Contains(Manifest(runs.OtherSeed).Data!.DataHash[..12], error.Message);
        Assert.Contains(Manifest(runs.Vae).Data!.DataHash[..12], error.Message);
        Assert.Contains("seed", error.Message);
        Assert.Equal([[runs.Vae, runs.Dae], [runs.OtherSeed]], error.Groups);
    }

    [Fact]
    public void RunsOnOtherData_AreRefused_SayingHowTheyDiffer()
    {
        var error = Assert.Throws<RunsNotComparableException>(() => Compare(runs.OtherItems, runs.Vae));

        Assert.Contains("(they differ in data hash, items)", error.Message);
        Assert.Contains($"'{runs.OtherItems}' (synthetic, data hash {Manifest(runs.OtherItems).Data!.DataHash[..12]}, 250 items, 60 test users)", error.Message);
        Assert.Contains($"'{runs.Vae}' (synthetic, data hash {Manifest(runs.Vae).Data!.DataHash[..12]}, 200 items, 60 test users)", error.Message);
    }

    [Fact]
    public void ARunWithoutATestEvaluation_IsAnErrorNamingIt()
    {
        Assert.Equal(RunStatus.Interrupted, Manifest(runs.Interrupted).Status);

        var error = Assert.Throws<RunNotEvaluatedException>(() => Compare(runs.Vae, runs.Interrupted));

        Assert.Equal(runs.Interrupted, error.Directory);
        Assert.Equal($"run '{runs.Interrupted}' has no test evaluation: it was stopped before it finished (resume it with -Resume / --resume)", error.Message);
    }

    [Fact]
    public void AFailedRun_SaysWhyItFailed()
    {
        string failed = runs.Scratch("failed");
        CopyDirectory(runs.Vae, failed);
        string path = Path.Combine(failed, RunFiles.Manifest);
        (Manifest(failed) with { Status = RunStatus.Failed, Error = "disk full", Test = null }).Save(path);

        var error = Assert.Throws<RunNotEvaluatedException>(() => Load(failed));
        Assert.Equal($"run '{failed}' has no test evaluation: it failed (disk full)", error.Message);
    }

    [Fact]
    public void AModelDirectoryWithoutARun_IsEvaluated()
    {
        string model = runs.Scratch("deployed-model");
        CopyDirectory(Path.Combine(runs.Dae, RunFiles.ModelFolder), model);

        var report = Compare(model, runs.Vae);

        ComparedRun row = report.Runs.Single(r => r.Path == model);
        var recorded = Manifest(runs.Dae).Test!;
        Assert.Equal("evaluated", row.TestSource);
        Assert.Equal("dae", row.ModelType);
        Assert.Equal(recorded.NdcgAt100, row.NdcgAt100, 9);
        Assert.Equal(recorded.RecallAt20, row.RecallAt20, 9);
        Assert.Equal(recorded.Users, row.EvaluatedUsers);
        Assert.Equal(60, row.TestUsers);
        Assert.Null(row.TrainSeconds);
        Assert.Null(row.Status);
        Assert.Equal(Card(runs.Dae).BestEpoch, row.BestEpoch);
    }

    [Fact]
    public void AFolderThatIsNoRun_IsAnError()
    {
        string empty = runs.Scratch("empty");
        Directory.CreateDirectory(empty);

        var error = Assert.Throws<InvalidDataException>(() => Load(empty));
        Assert.Equal($"'{empty}' is neither a run directory (it has no manifest.json) nor a model directory (it has no model.json)", error.Message);
        Assert.Throws<DirectoryNotFoundException>(() => Load(runs.Scratch("missing")));
        Assert.Throws<ArgumentException>(() => Compare());
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (string directory in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(directory.Replace(from, to));
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, file.Replace(from, to));
    }
}

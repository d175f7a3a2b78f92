using System.Buffers.Binary;
using System.Runtime.InteropServices;
using VaeToolkit.Cli;
using VaeToolkit.Runs;
using VaeToolkit.Tests.Inference;

namespace VaeToolkit.Tests.Cli;

/// <summary>Every failure is one line on standard error and exit code 1; --verbose adds the details.</summary>
public sealed class CliErrorTests
{
    [Theory]
    [InlineData(ModelFiles.Recommender, "flipped")]
    [InlineData(ModelFiles.Encoder, "empty")]
    [InlineData(ModelFiles.UserHistories, "truncated")]
    public void Test_ADamagedModelFile_IsOneLineNamingIt(string file, string damage)
    {
        using var model = TestModel.Create();
        ModelIntegrityTests.Damage(model.PathOf(file), damage);

        var (exitCode, output, error) = CliRunner.Run("test", "--model", model.ModelDirectory);

        Assert.Equal(1, exitCode);
        Assert.Empty(output);
        Assert.Equal($"vaetoolkit: error: '{model.ModelDirectory}': {file} does not match the SHA-256 recorded in model.json (the file is damaged, truncated or was changed after export)",
            Assert.Single(Lines(error)));
    }

    [Theory]
    [InlineData("test", ModelFiles.Recommender, "empty")]
    [InlineData("test", ModelFiles.Encoder, "truncated")]
    [InlineData("recommend", ModelFiles.Recommender, "truncated")]
    public void AnOlderModelWhoseGraphDoesNotLoad_IsOneLineNamingIt(string verb, string file, string damage)
    {
        using var model = TestModel.Create();
        model.ForgetFileHashes();
        ModelIntegrityTests.Damage(model.PathOf(file), damage);
        string[] args = verb == "test" ? ["test", "--model", model.ModelDirectory] : ["recommend", "--model", model.ModelDirectory, "--user", "u1"];

        var (exitCode, _, error) = CliRunner.Run(args);

        Assert.Equal(1, exitCode);
        Assert.StartsWith($"vaetoolkit: error: '{model.ModelDirectory}': cannot load {file}: ", Assert.Single(Lines(error)));
    }

    [Fact]
    public void AnOlderModelWithADamagedMatrixHeader_IsOneLineNamingTheFile()
    {
        using var model = TestModel.Create();
        model.ForgetFileHashes();
        byte[] bytes = File.ReadAllBytes(model.PathOf(ModelFiles.UserHistories));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), int.MaxValue); // the row count
        File.WriteAllBytes(model.PathOf(ModelFiles.UserHistories), bytes);

        var (exitCode, _, error) = CliRunner.Run("recommend", "--model", model.ModelDirectory, "--user", "u1");

        Assert.Equal(1, exitCode);
        string line = Assert.Single(Lines(error));
        Assert.StartsWith($"vaetoolkit: error: '{model.ModelDirectory}': cannot read users.vcsr: {model.PathOf(ModelFiles.UserHistories)}: corrupt matrix header", line);
    }

    [Theory]
    [InlineData("train", "--config", "no-such.yaml")]
    [InlineData("test", "--model", "no-such-model")]
    [InlineData("recommend", "--model", "no-such-model", "--user", "1")]
    [InlineData("benchmark", "--config", "no-such.yaml")]
    [InlineData("prepare", "--dataset", "file", "--source", "no-such.csv")]
    [InlineData("generate-ratings", "--output", "/proc/no-such-dir/ratings.csv", "--rows", "10")]
    [InlineData("prepare-benchmark", "--source", "no-such.csv")]
    public void EveryVerb_TakesVerbose_AndThenPrintsTheDetails(params string[] args)
    {
        var (quietCode, _, quiet) = CliRunner.Run(args);
        var (verboseCode, _, verbose) = CliRunner.Run([.. args, "--verbose"]);

        Assert.Equal(1, quietCode);
        Assert.Equal(1, verboseCode);
        Assert.Single(Lines(quiet));
        Assert.StartsWith(Lines(quiet)[0], verbose);
        Assert.Contains("   at ", verbose); // the stack trace
    }

    public static TheoryData<Exception, string> NativeFailures => new()
    {
        { new ExternalException("CUDA error: an illegal memory access was encountered\nException raised from c10_cuda_check at ...\nframe #0: ..."),
            "vaetoolkit: error: native library: CUDA error: an illegal memory access was encountered (more with --verbose)" },
        { new OutOfMemoryException("Array dimensions exceeded supported range."), "vaetoolkit: error: out of memory: Array dimensions exceeded supported range." },
        { new OverflowException("Arithmetic operation resulted in an overflow."), "vaetoolkit: error: a count is too large: Arithmetic operation resulted in an overflow." },
        { new Parquet.ParquetException("not a Parquet file"), "vaetoolkit: error: Parquet: not a Parquet file" },
        { new AggregateException(new InvalidDataException("ratings.csv: bad")), "vaetoolkit: error: ratings.csv: bad" },
        { new NullReferenceException("Object reference not set to an instance of an object."),
            "vaetoolkit: error: unexpected NullReferenceException (a bug; --verbose shows where): Object reference not set to an instance of an object." },
    };

    [Theory]
    [MemberData(nameof(NativeFailures))]
    public void Failures_OfNativeLibrariesAndResources_AreOneLineWithExitCode1(Exception failure, string expected)
    {
        var error = new StringWriter();

        int exitCode = CliApp.Fail(failure, error, verbose: false);

        Assert.Equal(1, exitCode);
        Assert.Equal(expected, Assert.Single(Lines(error.ToString())));
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

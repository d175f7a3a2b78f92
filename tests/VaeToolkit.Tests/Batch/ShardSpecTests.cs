using VaeToolkit.Inference.Batch;

namespace VaeToolkit.Tests.Batch;

public sealed class ShardSpecTests
{
    [Theory]
    [InlineData("3/10", 3, 10)]
    [InlineData("0/1", 0, 1)]
    [InlineData(" 9/10 ", 9, 10)]
    public void Parse_ReadsAnExplicitShard(string text, int index, int count) =>
        Assert.Equal(new ShardSpec(index, count), ShardSpec.Parse(text, _ => null));

    [Fact]
    public void Parse_Auto_TakesTheIndexFromKubernetesOrSlurm()
    {
        Assert.Equal(new ShardSpec(4, 8), ShardSpec.Parse("auto/8", name => name == "JOB_COMPLETION_INDEX" ? "4" : null));
        // Slurm arrays may start at any number (--array=1-8): the index is the task id less the first.
        var slurm = new Dictionary<string, string> { ["SLURM_ARRAY_TASK_ID"] = "3", ["SLURM_ARRAY_TASK_MIN"] = "1", ["SLURM_ARRAY_TASK_COUNT"] = "8" };
        Assert.Equal(new ShardSpec(2, 8), ShardSpec.Parse("auto", slurm.GetValueOrDefault));
        Assert.Equal(new ShardSpec(2, 5), ShardSpec.Parse("auto/5", slurm.GetValueOrDefault));
    }

    [Theory]
    [InlineData("10/10", "the index must be below the count 10")]
    [InlineData("1/0", "the shard count must be at least 1")]
    [InlineData("a/b", "is not 'i/N', 'auto/N' or 'auto'")]
    [InlineData("3", "is not 'i/N', 'auto/N' or 'auto'")]
    [InlineData("auto/4", "neither is set")]
    [InlineData("auto", "SLURM_ARRAY_TASK_COUNT, which is not set")]
    public void Parse_RejectsWhatIsNotAShard(string text, string message) =>
        Assert.Contains(message, Assert.Throws<FormatException>(() => ShardSpec.Parse(text, _ => null)).Message);

    [Fact]
    public void Hash_IsFnv1a64_SoOtherSystemsCanReproduceTheSplit()
    {
        // Published FNV-1a 64 test vectors.
        Assert.Equal(0xcbf29ce484222325UL, ShardSpec.Hash(""u8));
        Assert.Equal(0xaf63dc4c8601ec8cUL, ShardSpec.Hash("a"u8));
        Assert.Equal(0x85944171f73967e8UL, ShardSpec.Hash("foobar"u8));
    }

    [Fact]
    public void Shards_SplitUsersIntoDisjointPartsThatCoverThemAll()
    {
        var shards = Enumerable.Range(0, 4).Select(i => new ShardSpec(i, 4)).ToArray();
        var sizes = new int[4];
        for (int u = 0; u < 4000; u++)
        {
            byte[] id = System.Text.Encoding.UTF8.GetBytes($"user-{u}");
            int[] owners = [.. Enumerable.Range(0, 4).Where(i => shards[i].Contains(id))];
            Assert.Single(owners);
            sizes[owners[0]]++;
        }
        Assert.All(sizes, size => Assert.InRange(size, 850, 1150));
    }
}

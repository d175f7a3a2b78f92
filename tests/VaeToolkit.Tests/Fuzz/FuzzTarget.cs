using System.Text;
using Parquet;
using Parquet.Schema;
using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.Inference;
using VaeToolkit.Inference.Batch;
using VaeToolkit.Tests.Data;
using VaeToolkit.Training.Models;

namespace VaeToolkit.Tests.Fuzz;

/// <summary>
/// One kind of text input the toolkit reads: a valid seed file, the public call that reads it, and the
/// exception types that count as a located error (their message must name the file).
/// </summary>
internal sealed record FuzzTarget(string Name, string FileName, byte[] Seed, Action<string> Read, Type[] Located)
{
    private static readonly Type[] DataErrors = [typeof(DataFormatException)];

    /// <summary>Every target; the recommend target uses <paramref name="service"/> (a model's recommendation service).</summary>
    public static IReadOnlyList<FuzzTarget> All(RecommendationService service, string scratch)
    {
        string names = Path.Combine(scratch, "names-base.csv");
        File.WriteAllText(names, "user,item,rating\n" + Rows((u, i) => $"{u},{i},5\n"));
        return
        [
            new("config", "experiment.yaml", File.ReadAllBytes(ConfigFile("ml-latest-small.yaml")), path => RoundTrip(ModelRegistry.ConfigLoader.Load(path)), [typeof(ConfigException)]),
            new("config-quickstart", "quickstart.yaml", File.ReadAllBytes(ConfigFile("quickstart.yaml")), path => RoundTrip(ModelRegistry.ConfigLoader.Load(path)), [typeof(ConfigException)]),
            new("config-overrides", "overrides.txt", "training.epochs=5\nmodel.encoder_dims=[60, 20]\ndata.heldout_users=null\ndata.delimiter='\\t'\nseed=3\n"u8.ToArray(),
                path => RoundTrip(ModelRegistry.ConfigLoader.Parse("training: { epochs: 2 }\n", path, File.ReadAllText(path).Split('\n', StringSplitOptions.RemoveEmptyEntries))),
                [typeof(ConfigException)]),
            new("movielens-ratings", "ratings.csv", Utf8("userId,movieId,rating,timestamp\n" + Rows((u, i) => $"{u},{i},{3 + (u + i) % 3}.5,{1_000_000_000 + u * 100 + i}\n")),
                path => Prepare(new DataConfig { Dataset = KnownDatasets.MovieLensLatestSmall, Path = path, TargetSplit = TargetSplits.Latest }), DataErrors),
            new("file-csv", "likes.csv", Utf8("when,item,stars,user\n" + Rows((u, i) => $"2020-01-{1 + i:00},\"item, {i}\",{(u + i) % 5},user-{u}\n")),
                path => Prepare(new DataConfig
                {
                    Dataset = KnownDatasets.File, Path = path, UserColumn = "user", ItemColumn = "item", RatingColumn = "stars", TimestampColumn = "when",
                    TargetSplit = TargetSplits.Latest, PositiveThreshold = 1,
                }), DataErrors),
            new("file-tsv-latin1", "plays.tsv", Encoding.Latin1.GetBytes(Rows((u, i) => $"caf\u00e9-{u}\t{i}\t{u * i}\n")),
                path => Prepare(new DataConfig
                {
                    Dataset = KnownDatasets.File, Path = path, Header = false, UserColumn = "0", ItemColumn = "1", RatingColumn = "2", Delimiter = "\t",
                    Encoding = "latin-1", PositiveThreshold = 0,
                }), DataErrors),
            new("item-names", "movies.csv", Utf8("movieId,title,genres\n" + string.Concat(Enumerable.Range(0, 8).Select(i => $"{i},\"Title, {i} \"\"q\"\"\",Drama\n"))),
                path => Prepare(new DataConfig { Dataset = KnownDatasets.File, Path = names, UserColumn = "user", ItemColumn = "item", ItemNames = path }), DataErrors),
            new("netflix", "mv_0000001.txt", Utf8(string.Concat(Enumerable.Range(1, 6).Select(m => $"{m}:\n" + string.Concat(Enumerable.Range(1, 8).Select(c => $"{c * 7},{3 + (c + m) % 3},2005-0{1 + m % 9}-1{c}\n"))))),
                path => Prepare(new DataConfig { Dataset = KnownDatasets.Netflix, Path = path, TargetSplit = TargetSplits.Latest }), DataErrors),
            new("movielens-1m", "ratings.dat", Utf8(Rows((u, i) => $"{u}::{i}::{3 + (u + i) % 3}::{978_300_000 + i}\n")),
                path => Prepare(new DataConfig { Dataset = KnownDatasets.MovieLens1M, Path = path }), DataErrors),
            new("lastfm", "usersha1-artmbid-artname-plays.tsv", Utf8(Rows((u, i) => $"{u:x40}\t{(i % 3 == 0 ? "" : $"mbid-{i}")}\tArtist \"{i}\"\t{u + i}\n")),
                path => Prepare(new DataConfig { Dataset = KnownDatasets.LastFm, Path = path }), DataErrors),
            new("recommend-input", "users.csv", Utf8("userId,movieId,rating\nalice,m7,4\n\"bob\",m14,5\nbob,zzz,1\ncarol,\"m0\",3\n"),
                path => service.RecommendFile(new BatchJobOptions { InputPath = path, OutputPath = path + ".out.csv" }, k: 3), DataErrors),
            new("parquet", "likes.parquet", ParquetSeed(scratch),
                path => Prepare(new DataConfig { Dataset = KnownDatasets.File, Path = path, UserColumn = "user", ItemColumn = "item", RatingColumn = "stars" }), DataErrors),
        ];
    }

    /// <summary>Whether <paramref name="error"/> is a located error for the input at <paramref name="path"/>.</summary>
    public bool IsLocated(Exception error, string path) =>
        Located.Contains(error.GetType()) && (error.Message.Contains(path, StringComparison.Ordinal) || error.Message.StartsWith(Path.GetFileName(path) + "(", StringComparison.Ordinal));

    /// <summary>Eight users with six items each: enough for one validation and one test user.</summary>
    private static string Rows(Func<int, int, string> row) =>
        string.Concat(from u in Enumerable.Range(1, 8) from i in Enumerable.Range(0, 6) select row(u, i));

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static void Prepare(DataConfig data) =>
        new DatasetPreparer(DataFixtures.NoDownload(Path.Combine(Path.GetTempPath(), "vaetoolkit-tests", "no-download")), cacheDirectory: null)
            .Prepare(new VaeConfig { Seed = 3, Data = data with { HeldoutUsers = 1, MinItemsPerUser = 1 } });

    /// <summary>A config that loads must write back to YAML that loads.</summary>
    private static void RoundTrip(VaeConfig config) => ModelRegistry.ConfigLoader.Parse(ConfigWriter.ToYaml(config), "resolved.yaml");

    private static string ConfigFile(string name)
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "configs", name))) return Path.Combine(folder.FullName, "configs", name);
        throw new FileNotFoundException($"configs/{name} not found above {AppContext.BaseDirectory}");
    }

    private static byte[] ParquetSeed(string scratch)
    {
        string path = Path.Combine(scratch, "seed.parquet");
        WriteParquet(path).GetAwaiter().GetResult();
        return File.ReadAllBytes(path);
    }

    /// <summary>A small valid Parquet interactions file (user, item, stars), the seed of the Parquet mutations.</summary>
    internal static async Task WriteParquet(string path)
    {
        var schema = new ParquetSchema(new DataField<string>("user"), new DataField<long>("item"), new DataField<double>("stars"));
        int[] users = [.. from u in Enumerable.Range(1, 8) from i in Enumerable.Range(0, 6) select u];
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream);
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(schema.DataFields[0], users.Select(u => $"u{u}").ToArray());
        await group.WriteAsync<long>(schema.DataFields[1], users.Select((u, k) => (long)(k % 6 + u % 2)).ToArray());
        await group.WriteAsync<double>(schema.DataFields[2], users.Select((u, k) => 3.0 + k % 3).ToArray());
    }
}

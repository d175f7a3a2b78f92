using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace VaeToolkit.Tests.Data;

/// <summary>
/// A small seeded set of ratings (distinct user-item pairs, ratings 1-5, distinct times per user) that
/// the tests write in each data set's true format, and read back independently to check a preparation.
/// </summary>
internal sealed class RatingFixture
{
    public RatingFixture(int users = 60, int items = 30, int seed = 3)
    {
        var random = new Random(seed);
        for (int user = 1; user <= users; user++)
        {
            int count = random.Next(8, 26);
            int[] chosen = Enumerable.Range(1, items).OrderBy(_ => random.Next()).Take(count).Order().ToArray();
            long time = 900_000_000 + random.Next(1_000_000);
            foreach (int item in chosen)
                Rows.Add(new Row(user, item, random.Next(1, 6), time += 1 + random.Next(100_000)));
        }
    }

    public List<Row> Rows { get; } = [];

    /// <summary>The positives of each user: rating above <paramref name="threshold"/>, as ids in the form a data set uses.</summary>
    public Dictionary<string, HashSet<string>> Positives(double threshold, Func<int, string>? userId = null, Func<int, string>? itemId = null)
    {
        userId ??= Id;
        itemId ??= Id;
        var positives = new Dictionary<string, HashSet<string>>();
        foreach (var row in Rows.Where(r => r.Rating > threshold))
        {
            if (!positives.TryGetValue(userId(row.User), out var items)) positives[userId(row.User)] = items = [];
            items.Add(itemId(row.Item));
        }
        return positives;
    }

    /// <summary>The time of each (user, item) pair, by the ids a data set uses.</summary>
    public Dictionary<(string User, string Item), long> Times(Func<int, string>? userId = null, Func<int, string>? itemId = null) =>
        Rows.ToDictionary(r => ((userId ?? Id)(r.User), (itemId ?? Id)(r.Item)), r => r.Time);

    public static string Id(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>MovieLens ratings.csv: a header, then half-star ratings, where ratings 4 and 5 (4.0, 4.5) are the ones above 3.5.</summary>
    public string MovieLensCsv() =>
        "userId,movieId,rating,timestamp\n" + string.Concat(Rows.Select(r => $"{r.User},{r.Item},{CsvRatings[r.Rating]},{r.Time}\n"));

    private static readonly string[] CsvRatings = ["", "1.0", "2.5", "3.5", "4.0", "4.5"];

    /// <summary>MovieLens 1M ratings.dat: <c>UserID::MovieID::Rating::Timestamp</c>, no header.</summary>
    public string MovieLens1M() => string.Concat(Rows.Select(r => $"{r.User}::{r.Item}::{r.Rating}::{r.Time}\n"));

    /// <summary>MovieLens 100K u.data: tab-separated, no header.</summary>
    public string MovieLens100K() => string.Concat(Rows.Select(r => $"{r.User}\t{r.Item}\t{r.Rating}\t{r.Time}\n"));

    /// <summary>Netflix Prize lines of some movies: <c>movieId:</c> then <c>customerId,rating,yyyy-MM-dd</c>.</summary>
    public string Netflix(IEnumerable<int> movies) =>
        string.Concat(movies.Select(movie => $"{movie}:\n" + string.Concat(Rows.Where(r => r.Item == movie)
            .Select(r => $"{r.User},{r.Rating},{DateTimeOffset.FromUnixTimeSeconds(r.Time):yyyy-MM-dd}\n"))));

    public IEnumerable<int> Items => Rows.Select(r => r.Item).Distinct().Order();

    /// <summary>Last.fm 360K: user sha1, artist mbid (empty for every fifth artist), artist name, plays (the rating squared).</summary>
    public string LastFm() => string.Concat(Rows.Select(r => $"{UserSha1(r.User)}\t{ArtistMbid(r.Item)}\t{ArtistName(r.Item)}\t{r.Rating * r.Rating}\n"));

    public static string UserSha1(int user) => Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes($"user {user}")));

    public static string ArtistMbid(int item) => item % 5 == 0 ? "" : new Guid(MD5.HashData(Encoding.UTF8.GetBytes($"artist {item}"))).ToString();

    /// <summary>Names with quotes, commas and non-ASCII letters, as in the real file.</summary>
    public static string ArtistName(int item) => item % 3 == 0 ? $"\"The\" Artist, No. {item}" : $"Björk {item}";

    /// <summary>The artist key with data.artist_key = mbid: the mbid, or the name where it is empty.</summary>
    public static string ArtistKey(int item) => ArtistMbid(item) is { Length: > 0 } mbid ? mbid : ArtistName(item);

    /// <summary>Pinterest-20 (NCF): <c>user\titem\t1\ttimestamp</c>, 0-based ids; each user's latest pin goes to the test file.</summary>
    public (string Train, string Test) Pinterest()
    {
        var latest = Rows.GroupBy(r => r.User).ToDictionary(g => g.Key, g => g.MaxBy(r => r.Time));
        string Line(Row r) => $"{r.User - 1}\t{r.Item - 1}\t1\t{r.Time}\n";
        return (string.Concat(Rows.Where(r => latest[r.User] != r).Select(Line)), string.Concat(latest.Values.Select(r => Line(r!))));
    }

    public sealed record Row(int User, int Item, int Rating, long Time);
}

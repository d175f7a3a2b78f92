using System.Globalization;
using VaeToolkit.Data.Synthetic;

namespace VaeToolkit.Tests.Data;

public sealed class RatingsGeneratorTests : IDisposable
{
    private static readonly RatingsGeneratorSettings Small = new() { Rows = 30_000, Users = 600, Movies = 400, Seed = 5 };

    private readonly TemporaryDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public void WritesExactlyTheAskedShape_InMovieLensFormat()
    {
        string path = _scratch.Combine("ratings.csv");

        var written = MovieLensRatingsGenerator.Write(path, Small, cancellationToken: TestContext.Current.CancellationToken);

        string[] lines = File.ReadAllLines(path);
        Assert.Equal("userId,movieId,rating,timestamp", lines[0]);
        var rows = lines.Skip(1).Select(line => line.Split(',')).ToArray();
        Assert.Equal(Small.Rows, rows.Length);
        Assert.Equal(Small.Users, rows.Select(r => r[0]).Distinct().Count());
        Assert.Equal(Small.Movies, rows.Select(r => r[1]).Distinct().Count());
        Assert.Equal(rows.Length, rows.Select(r => (r[0], r[1])).Distinct().Count());
        // Sorted by user, then movie, as MovieLens files are.
        var keys = rows.Select(r => (User: int.Parse(r[0], CultureInfo.InvariantCulture), Movie: int.Parse(r[1], CultureInfo.InvariantCulture))).ToArray();
        Assert.Equal(keys.OrderBy(k => k.User).ThenBy(k => k.Movie), keys);
        Assert.All(rows.GroupBy(r => r[0]), user => Assert.True(user.Count() >= 20, $"user {user.Key} has {user.Count()} ratings"));
        double[] ratings = rows.Select(r => double.Parse(r[2], CultureInfo.InvariantCulture)).ToArray();
        Assert.All(ratings, rating => Assert.Contains(rating, new[] { 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5 }));
        Assert.InRange(ratings.Count(r => r > 3.5) / (double)ratings.Length, 0.45, 0.55);
        Assert.Equal(new FileInfo(path).Length, written.Bytes);
    }

    [Fact]
    public void SameSeed_SameBytes_OtherSeed_OtherBytes()
    {
        string a = _scratch.Combine("a.csv"), b = _scratch.Combine("b.csv"), c = _scratch.Combine("c.csv");
        var token = TestContext.Current.CancellationToken;

        MovieLensRatingsGenerator.Write(a, Small, cancellationToken: token);
        MovieLensRatingsGenerator.Write(b, Small, cancellationToken: token);
        MovieLensRatingsGenerator.Write(c, Small with { Seed = 6 }, cancellationToken: token);

        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
        Assert.NotEqual(File.ReadAllBytes(a), File.ReadAllBytes(c));
    }

    [Fact]
    public void ImpossibleShape_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            MovieLensRatingsGenerator.Write(_scratch.Combine("x.csv"), new RatingsGeneratorSettings { Rows = 100, Users = 10, Movies = 500 },
                cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("cannot write 100 ratings of 10 users for 500 movies", error.Message);
    }
}

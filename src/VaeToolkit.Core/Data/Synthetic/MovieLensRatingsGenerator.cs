using System.Buffers.Text;
using System.Diagnostics;
using VaeToolkit.IO;

namespace VaeToolkit.Data.Synthetic;

/// <summary>
/// Writes a synthetic MovieLens <c>ratings.csv</c> for benchmarks, shaped like the real file: every user
/// has at least 20 ratings (log-normally many more), no user rates a movie twice, movie popularity has a
/// long tail, ratings follow ML-20M's distribution of half stars (about half above 3.5), rows are sorted by
/// user and then movie id, movie ids are sparse as in ML-20M, and every user and movie appears. The exact
/// row, user and movie counts are those of the settings; the same seed writes the same bytes.
/// </summary>
public static class MovieLensRatingsGenerator
{
    private const int MinRatingsPerUser = 20;
    private const double UserActivitySpread = 1.0; // sigma of the log-normal ratings-per-user weights
    private const double PopularityOffset = 100;   // popularity ~ 1 / (rank + offset): a long tail without a few huge heads
    private const long FirstTime = 789_652_009;    // 1995-01-09, ML-20M's first rating
    private const long LastTime = 1_427_784_002;   // 2015-03-31, its last

    // ML-20M's share of each rating 0.5, 1.0, ..., 5.0.
    private static readonly double[] RatingShares = [0.011, 0.033, 0.014, 0.072, 0.044, 0.213, 0.106, 0.277, 0.077, 0.145];
    private static readonly byte[][] RatingTexts = ["0.5"u8.ToArray(), "1.0"u8.ToArray(), "1.5"u8.ToArray(), "2.0"u8.ToArray(), "2.5"u8.ToArray(),
        "3.0"u8.ToArray(), "3.5"u8.ToArray(), "4.0"u8.ToArray(), "4.5"u8.ToArray(), "5.0"u8.ToArray()];

    public static GeneratedRatings Write(string path, RatingsGeneratorSettings settings, IProgress<string>? log = null, CancellationToken cancellationToken = default)
    {
        int users = settings.Users;
        int movies = settings.Movies;
        int minPerUser = (int)Math.Min(MinRatingsPerUser, settings.Rows / Math.Max(1, users));
        if (users < 1 || movies < 1 || minPerUser < 1 || settings.Rows > (long)users * movies / 2 || movies > (long)users * minPerUser)
            throw new ArgumentException($"cannot write {settings.Rows:N0} ratings of {users:N0} users for {movies:N0} movies " +
                "(each user needs at least one rating, at most half the movies, and every movie needs a rating)", nameof(settings));

        var watch = Stopwatch.StartNew();
        var random = new Random(settings.Seed);
        int[] perUser = RatingsPerUser(settings.Rows, users, movies, minPerUser, random);
        double[] popularity = PopularityCdf(movies);
        int[] movieOfRank = Enumerable.Range(0, movies).ToArray();
        random.Shuffle(movieOfRank);
        double[] ratingCdf = Cumulative(RatingShares);

        long bytes = 0;
        AtomicFile.Write(path, stream =>
        {
            var output = new Utf8Output(stream);
            output.Write("userId,movieId,rating,timestamp\n"u8);
            var takenBy = new int[movies];
            Array.Fill(takenBy, -1);
            var chosen = new List<int>();
            for (int user = 0; user < users; user++)
            {
                if ((user & 1023) == 0) cancellationToken.ThrowIfCancellationRequested();
                chosen.Clear();
                // Movie m is first given to user m mod users, so that every movie has a rating.
                for (int movie = user; movie < movies; movie += users) Take(movie);
                while (chosen.Count < perUser[user])
                    Take(movieOfRank[Sample(popularity, random)]);
                chosen.Sort();

                long start = FirstTime + (long)(random.NextDouble() * (LastTime - FirstTime));
                long span = Math.Min(LastTime - start, 2L * 365 * 86400);
                foreach (int movie in chosen)
                {
                    output.Number(user + 1);
                    output.Byte((byte)',');
                    output.Number(MovieId(movie));
                    output.Byte((byte)',');
                    output.Write(RatingTexts[Sample(ratingCdf, random)]);
                    output.Byte((byte)',');
                    output.Number(start + (long)(random.NextDouble() * span));
                    output.Byte((byte)'\n');
                }
                if (user % 20000 == 0) log?.Report($"Generating ratings: user {user + 1:N0} of {users:N0}");

                void Take(int movie)
                {
                    if (takenBy[movie] == user) return;
                    takenBy[movie] = user;
                    chosen.Add(movie);
                }
            }
            bytes = output.Finish();
        });
        return new GeneratedRatings(Path.GetFullPath(path), settings.Rows, users, movies, bytes, watch.Elapsed.TotalSeconds);
    }

    /// <summary>ML-20M's ids are sparse: dense up to 10,000, then every seventh number.</summary>
    private static int MovieId(int movie) => movie < 10000 ? movie + 1 : 10001 + (movie - 10000) * 7;

    /// <summary>Log-normal weights scaled to the exact total, each between the minimum and half the movies.</summary>
    private static int[] RatingsPerUser(long rows, int users, int movies, int min, Random random)
    {
        int max = movies / 2;
        var weights = new double[users];
        for (int u = 0; u < users; u++)
        {
            // Box-Muller: a standard normal from two uniforms.
            double normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            weights[u] = Math.Exp(UserActivitySpread * normal);
        }
        double total = weights.Sum();
        long extra = rows - (long)users * min;
        var counts = new int[users];
        long sum = 0;
        for (int u = 0; u < users; u++)
        {
            counts[u] = (int)Math.Clamp(min + Math.Floor(extra * weights[u] / total), min, max);
            sum += counts[u];
        }
        // Rounding and the cap leave a small difference: spread it one rating at a time.
        for (int u = 0; sum != rows; u = (u + 1) % users)
        {
            int step = sum < rows ? 1 : -1;
            if (counts[u] + step < min || counts[u] + step > max) continue;
            counts[u] += step;
            sum += step;
        }
        return counts;
    }

    private static double[] PopularityCdf(int movies)
    {
        var weights = new double[movies];
        for (int rank = 0; rank < movies; rank++) weights[rank] = 1 / (rank + PopularityOffset);
        return Cumulative(weights);
    }

    private static double[] Cumulative(double[] weights)
    {
        var cdf = new double[weights.Length];
        double sum = 0;
        for (int i = 0; i < weights.Length; i++) cdf[i] = sum += weights[i];
        for (int i = 0; i < cdf.Length; i++) cdf[i] /= sum;
        return cdf;
    }

    /// <summary>An index drawn with the probabilities a cumulative distribution gives.</summary>
    private static int Sample(double[] cdf, Random random)
    {
        int index = Array.BinarySearch(cdf, random.NextDouble());
        return Math.Min(index < 0 ? ~index : index, cdf.Length - 1);
    }

    /// <summary>Formats into a large byte buffer and writes it out when it fills.</summary>
    private sealed class Utf8Output(Stream stream)
    {
        private readonly byte[] _buffer = new byte[1 << 20];
        private int _used;
        private long _written;

        public void Byte(byte value)
        {
            if (_used == _buffer.Length) Flush();
            _buffer[_used++] = value;
        }

        public void Write(ReadOnlySpan<byte> bytes)
        {
            if (_used + bytes.Length > _buffer.Length) Flush();
            bytes.CopyTo(_buffer.AsSpan(_used));
            _used += bytes.Length;
        }

        public void Number(long value)
        {
            if (_used + 20 > _buffer.Length) Flush();
            Utf8Formatter.TryFormat(value, _buffer.AsSpan(_used), out int written);
            _used += written;
        }

        public long Finish()
        {
            Flush();
            return _written;
        }

        private void Flush()
        {
            stream.Write(_buffer, 0, _used);
            _written += _used;
            _used = 0;
        }
    }
}

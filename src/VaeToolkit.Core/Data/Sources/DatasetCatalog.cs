using System.Globalization;
using System.Text;
using VaeToolkit.Configuration;
using VaeToolkit.Data.Parsing;

namespace VaeToolkit.Data.Sources;

/// <summary>
/// What each data set name means: where its files are, their format, and which rows are positives.
/// A named set is found through <c>data.path</c> (its file or folder) or else in <c>&lt;folder&gt;/&lt;name&gt;/</c>
/// of <see cref="MovieLensSource.SearchDirectories"/>; MovieLens sets are downloaded when missing.
/// </summary>
internal static class DatasetCatalog
{
    public const string NetflixTrainingSet = "training_set/mv_*.txt";
    public const string NetflixCombinedData = "combined_data_*.txt";
    public const string LastFmFile = "usersha1-artmbid-artname-plays.tsv";
    public const string PinterestTrainFile = "pinterest-20.train.rating";
    public const string PinterestTestFile = "pinterest-20.test.rating";

    public static DatasetSource Locate(VaeConfig config, MovieLensSource movieLens, IProgress<string>? log, CancellationToken cancellationToken)
    {
        DataConfig data = config.Data;
        return data.Dataset switch
        {
            KnownDatasets.MovieLensLatestSmall or KnownDatasets.MovieLens20M or KnownDatasets.MovieLens20MAlternative or KnownDatasets.MovieLens1M
                or KnownDatasets.MovieLens100K => MovieLens(data, movieLens, log, cancellationToken),
            KnownDatasets.Netflix => Netflix(data, movieLens),
            KnownDatasets.LastFm => LastFm(data, movieLens),
            KnownDatasets.Pinterest => Pinterest(data, movieLens),
            KnownDatasets.File => DelimitedOrParquetFile(data, config.SourcePath),
            _ => throw new ConfigException(ConfigErrorCodes.OutOfRange,
                $"'data.dataset' must be one of {string.Join(", ", KnownDatasets.All)}, not '{data.Dataset}'", config.SourcePath),
        };
    }

    private static DatasetSource MovieLens(DataConfig data, MovieLensSource movieLens, IProgress<string>? log, CancellationToken cancellationToken)
    {
        // ml-20m_alt is ml-20m's file, split another way.
        string set = data.Dataset == KnownDatasets.MovieLens20MAlternative ? KnownDatasets.MovieLens20M : data.Dataset;
        string ratingsName = MovieLensSource.RatingsFileName(set);
        string ratings = data.Path is { } path ? FileIn(path, ratingsName) : movieLens.FindOrDownload(set, data.DataDir, log, cancellationToken);
        string movies = Path.Combine(Path.GetDirectoryName(ratings)!, MovieLensSource.MoviesFileName(set));

        // ml-1m and ml-100k are older: no header, Latin-1 titles, and fields that are never quoted.
        bool older = set is KnownDatasets.MovieLens1M or KnownDatasets.MovieLens100K;
        Encoding encoding = EncodingOf(data, older ? Encoding.Latin1 : Encoding.UTF8);
        InteractionFormat format = set switch
        {
            KnownDatasets.MovieLens1M => Columns("::", "0", "1", "2", "3") with { Quoted = false },
            KnownDatasets.MovieLens100K => Columns("\t", "0", "1", "2", "3") with { Quoted = false },
            _ => new InteractionFormat
            {
                Delimiter = ",", Header = true, UserColumn = "userId", ItemColumn = "movieId", RatingColumn = "rating", TimestampColumn = "timestamp",
            },
        };
        format = format with { PositiveAbove = data.PositiveThreshold, FilterText = ThresholdText(data.PositiveThreshold), Encoding = encoding };

        ItemNamesFile? names = data.ItemNames is { } itemNames ? ItemNamesFile.Csv(itemNames, encoding: encoding)
            : !File.Exists(movies) ? null
            : set switch
            {
                KnownDatasets.MovieLens1M => new ItemNamesFile(movies, "::", Header: false, Quoted: false, encoding),
                KnownDatasets.MovieLens100K => new ItemNamesFile(movies, "|", Header: false, Quoted: false, encoding),
                _ => ItemNamesFile.Csv(movies, encoding: encoding),
            };
        return Lines([ratings], format, names);
    }

    private static DatasetSource Netflix(DataConfig data, MovieLensSource movieLens)
    {
        string[] files = Find(KnownDatasets.Netflix, data, movieLens, [NetflixTrainingSet, NetflixCombinedData], folder =>
        {
            string trainingSet = Path.Combine(folder, "training_set");
            string[] found = Directory.Exists(trainingSet) ? Directory.GetFiles(trainingSet, "mv_*.txt") : [];
            if (found.Length == 0) found = Directory.GetFiles(folder, "mv_*.txt");
            if (found.Length == 0) found = Directory.GetFiles(folder, "combined_data_*.txt");
            return found.Length == 0 ? null : found.Order(StringComparer.Ordinal).ToArray();
        });

        // movie_titles.txt: id,year,title in Latin-1, where the title may hold commas.
        string folder = Path.GetDirectoryName(files[0])!;
        string? titles = new[] { folder, Path.GetDirectoryName(folder) ?? folder }
            .SelectMany(f => new[] { Path.Combine(f, "movie_titles.txt"), Path.Combine(f, "movie_titles.csv") })
            .FirstOrDefault(File.Exists);
        double? threshold = data.PositiveThreshold;
        Encoding encoding = EncodingOf(data, Encoding.Latin1);
        return new DatasetSource
        {
            Files = files,
            ReadSegments = (withTimes, token) => LineFileReader.Read(files, header: false, (_, _, _) => new NetflixLineParser(threshold, withTimes, encoding), withTimes, token),
            Encoding = encoding,
            HasTimes = true,
            FilterText = ThresholdText(threshold),
            Settings = string.Create(CultureInfo.InvariantCulture,
                $"format=netflix\npositive_above={threshold?.ToString("R", CultureInfo.InvariantCulture) ?? "(all)"}\nencoding={encoding.WebName}\n"),
            Names = data.ItemNames is { } itemNames ? ItemNamesFile.Csv(itemNames, encoding: encoding)
                : titles is null ? null : new ItemNamesFile(titles, ",", Header: false, Quoted: false, encoding, NameColumn: 2, NameToEndOfLine: true),
        };
    }

    private static DatasetSource LastFm(DataConfig data, MovieLensSource movieLens)
    {
        string[] files = Find(KnownDatasets.LastFm, data, movieLens, [LastFmFile], folder =>
            File.Exists(Path.Combine(folder, LastFmFile)) ? [Path.Combine(folder, LastFmFile)] : null);
        // user-sha1, artist-mbid, artist-name, plays. Names may hold quotes, and plays are integers,
        // so "at least min_plays" is "above min_plays - 1".
        bool byName = data.ArtistKey == "name";
        InteractionFormat format = Columns("\t", "0", byName ? "2" : "1", "3", null) with
        {
            ItemFallbackColumn = byName ? null : "2",
            RatingName = "play count",
            PositiveAbove = data.MinPlays - 1,
            FilterText = $"at least data.min_plays = {data.MinPlays} plays",
            Quoted = false,
            Encoding = EncodingOf(data, Encoding.UTF8),
        };
        return Lines(files, format, data.ItemNames is { } names ? ItemNamesFile.Csv(names, encoding: format.Encoding) : null);
    }

    private static DatasetSource Pinterest(DataConfig data, MovieLensSource movieLens)
    {
        string[] files = Find(KnownDatasets.Pinterest, data, movieLens, [PinterestTrainFile, PinterestTestFile], folder =>
        {
            string train = Path.Combine(folder, PinterestTrainFile);
            string test = Path.Combine(folder, PinterestTestFile);
            return File.Exists(train) && File.Exists(test) ? [train, test] : null;
        });
        // Boards are users and pins are items; every row is a positive.
        InteractionFormat format = Columns("\t", "0", "1", null, "3") with { Quoted = false, Encoding = EncodingOf(data, Encoding.UTF8) };
        return Lines(files, format, data.ItemNames is { } names ? ItemNamesFile.Csv(names, encoding: format.Encoding) : null);
    }

    private static DatasetSource DelimitedOrParquetFile(DataConfig data, string? configFile)
    {
        string path = Path.GetFullPath(data.Path
            ?? throw new ConfigException(ConfigErrorCodes.OutOfRange, "'data.path' must name the interactions file when 'data.dataset' is file", configFile));
        // Without a rating column every row is a positive, whatever the threshold says.
        double? threshold = data.RatingColumn is null ? null : data.PositiveThreshold;
        var format = new InteractionFormat
        {
            Delimiter = data.Delimiter, Header = data.Header, UserColumn = data.UserColumn, ItemColumn = data.ItemColumn,
            RatingColumn = data.RatingColumn, TimestampColumn = data.TimestampColumn, PositiveAbove = threshold, FilterText = ThresholdText(threshold),
            Encoding = EncodingOf(data, Encoding.UTF8),
        };
        ItemNamesFile? names = data.ItemNames is { } itemNames ? ItemNamesFile.Csv(itemNames, data.Delimiter[0], format.Encoding) : null;
        if (!path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase)) return Lines([path], format, names);
        return new DatasetSource
        {
            Files = [path],
            ReadSegments = (withTimes, token) => ParquetInteractionReader.Read(path, format, withTimes, token),
            HasTimes = format.TimestampColumn is not null,
            FilterText = format.FilterText,
            Settings = "format=parquet\n" + format.Describe(),
            Names = names,
        };
    }

    private static InteractionFormat Columns(string delimiter, string user, string item, string? rating, string? time) =>
        new() { Delimiter = delimiter, Header = false, UserColumn = user, ItemColumn = item, RatingColumn = rating, TimestampColumn = time };

    private static DatasetSource Lines(IReadOnlyList<string> files, InteractionFormat format, ItemNamesFile? names) => new()
    {
        Files = files,
        ReadSegments = (withTimes, token) => LineFileReader.Read(files, format.Header,
            (file, header, line) => header is null
                ? DelimitedLineParser.FromIndices(format, withTimes)
                : DelimitedLineParser.FromHeader(format, header, file, line, withTimes),
            withTimes, token),
        Encoding = format.Encoding,
        HasTimes = format.TimestampColumn is not null,
        FilterText = format.FilterText,
        Settings = "format=delimited\n" + format.Describe(),
        Names = names,
    };

    /// <summary>The encoding <c>data.encoding</c> names, else the data set's own.</summary>
    private static Encoding EncodingOf(DataConfig data, Encoding own) =>
        data.Encoding is { } name
            ? TextEncodings.Find(name) ?? throw new ConfigException(ConfigErrorCodes.OutOfRange, $"'data.encoding' must be {TextEncodings.Expected}, not '{name}'")
            : own;

    private static string ThresholdText(double? threshold) =>
        $"a rating above data.positive_threshold = {threshold?.ToString(CultureInfo.InvariantCulture) ?? "null"}";

    /// <summary><paramref name="path"/> itself, or the file <paramref name="name"/> in it when it is a folder.</summary>
    private static string FileIn(string path, string name)
    {
        string file = Directory.Exists(path) ? Path.Combine(path, name) : path;
        return File.Exists(file) ? file : throw new FileNotFoundException($"data.path is {path}, which is not {name} nor a folder holding it", file);
    }

    /// <summary>
    /// The files of a data set without a download: from <c>data.path</c> (a file, or a folder to match), or
    /// from the first <c>&lt;folder&gt;/&lt;name&gt;</c> that matches.
    /// </summary>
    private static string[] Find(string dataset, DataConfig data, MovieLensSource folders, string[] expected, Func<string, string[]?> match)
    {
        if (data.Path is { } path)
        {
            if (File.Exists(path)) return [path];
            if (Directory.Exists(path) && match(path) is { } inPath) return inPath;
            throw new DatasetSourceNotFoundException(dataset, expected, [path]);
        }
        var searched = folders.SearchDirectories(data.DataDir).Select(folder => Path.Combine(folder, dataset)).ToList();
        foreach (string folder in searched)
            if (Directory.Exists(folder) && match(folder) is { } found) return found;
        throw new DatasetSourceNotFoundException(dataset, expected, searched);
    }
}

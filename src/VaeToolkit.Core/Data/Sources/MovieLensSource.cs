using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using VaeToolkit.IO;

namespace VaeToolkit.Data.Sources;

/// <summary>
/// Finds a MovieLens data set on disk, or downloads it from GroupLens into the user cache. A set lives
/// at <c>&lt;folder&gt;/&lt;name&gt;/&lt;ratings file&gt;</c> (<c>ratings.csv</c>; <c>ratings.dat</c> for ml-1m,
/// <c>u.data</c> for ml-100k); the folders searched, in order, are <c>data.data_dir</c>,
/// <c>$VAETOOLKIT_DATA</c> and <see cref="CacheDirectory"/>. Other named data sets are looked for in
/// <c>&lt;folder&gt;/&lt;name&gt;/</c> of the same folders. A download must match the archive's pinned SHA-256
/// (<see cref="PinnedSha256"/>), is unpacked and flushed to disk before it is renamed into place, and
/// processes downloading the same set take turns on a lock file: the first downloads, the others find it.
/// </summary>
public sealed class MovieLensSource
{
    public const string EnvironmentVariable = "VAETOOLKIT_DATA";

    /// <summary>The first line of every MovieLens <c>ratings.csv</c>.</summary>
    public const string RatingsHeader = "userId,movieId,rating,timestamp";

    public static readonly Uri DefaultBaseUrl = new("https://files.grouplens.org/datasets/movielens/");

    /// <summary>
    /// The SHA-256 of each GroupLens archive, from TensorFlow Datasets' checksums file (tensorflow/datasets,
    /// <c>tensorflow_datasets/url_checksums/movielens.txt</c>, which also gives the sizes noted here); each agrees
    /// with other public projects that pin these archives. ml-latest-small's is the September 2018 release
    /// (100,836 ratings of 9,742 movies), the one this repository's tests use unpacked.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> PinnedSha256 = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["ml-latest-small"] = "696d65a3dfceac7c45750ad32df2c259311949efec81f0f144fdfb91ebc9e436", // 978,202 bytes
        ["ml-20m"] = "96f243c338a8665f6bcc89c53edf6ee39162a846940de6b7c8c48aeada765ff3",          // 198,702,078 bytes
        ["ml-1m"] = "a6898adb50b9ca05aa231689da44c217cb524e7ebd39d264c56e2832f2c54e20",           // 5,917,549 bytes
        ["ml-100k"] = "50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229",         // 4,924,029 bytes
    };

    private static readonly Layout CsvLayout = new("ratings.csv", "movies.csv", "README.txt", line => line?.Trim() == RatingsHeader, $"'{RatingsHeader}'");

    private static readonly Dictionary<string, Layout> Layouts = new(StringComparer.Ordinal)
    {
        ["ml-latest-small"] = CsvLayout,
        ["ml-20m"] = CsvLayout,
        ["ml-1m"] = new("ratings.dat", "movies.dat", "README",
            line => line is not null && Regex.IsMatch(line, @"^\d+::\d+::\d+::\d+\s*$"), "a line like '1::1193::5::978300760'"),
        ["ml-100k"] = new("u.data", "u.item", "README",
            line => line is not null && Regex.IsMatch(line, @"^\d+\t\d+\t\d+\t\d+\s*$"), "a line like '196\t242\t3\t881250949'"),
    };

    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

    private readonly HttpMessageHandler? _handler;

    /// <summary>The default source: <c>$VAETOOLKIT_DATA</c>, the per-user cache and GroupLens.</summary>
    public MovieLensSource()
        : this(DefaultCacheDirectory(), Environment.GetEnvironmentVariable(EnvironmentVariable))
    {
    }

    /// <param name="cacheDirectory">Searched last, and where downloads go.</param>
    /// <param name="environmentDirectory">Searched after <c>data.data_dir</c>; usually <c>$VAETOOLKIT_DATA</c>.</param>
    /// <param name="handler">Sends the download request; tests pass a fake. Null uses a real connection.</param>
    /// <param name="baseUrl">The folder URL that holds <c>&lt;name&gt;.zip</c>.</param>
    /// <param name="timeout">How long to wait for a response, and for each piece of the body.</param>
    /// <param name="archiveSha256">The SHA-256 each <c>&lt;name&gt;.zip</c> must have; null is <see cref="PinnedSha256"/>. Tests pass their fake archives' hashes.</param>
    public MovieLensSource(string cacheDirectory, string? environmentDirectory, HttpMessageHandler? handler = null, Uri? baseUrl = null, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? archiveSha256 = null)
    {
        ArchiveSha256 = archiveSha256 ?? PinnedSha256;
        CacheDirectory = Path.GetFullPath(cacheDirectory);
        EnvironmentDirectory = string.IsNullOrWhiteSpace(environmentDirectory) ? null : Path.GetFullPath(environmentDirectory);
        _handler = handler;
        BaseUrl = baseUrl ?? DefaultBaseUrl;
        Timeout = timeout ?? TimeSpan.FromSeconds(60);
    }

    public string CacheDirectory { get; }

    public string? EnvironmentDirectory { get; }

    public Uri BaseUrl { get; }

    public TimeSpan Timeout { get; }

    /// <summary>The SHA-256 (lower-case hex) that each downloaded <c>&lt;name&gt;.zip</c> must have.</summary>
    public IReadOnlyDictionary<string, string> ArchiveSha256 { get; }

    /// <summary>The per-user cache: LocalApplicationData on Windows, else $XDG_CACHE_HOME or ~/.cache.</summary>
    public static string DefaultCacheDirectory()
    {
        string root;
        if (OperatingSystem.IsWindows())
            root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
        else if (Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { } xdg && Path.IsPathRooted(xdg))
            root = xdg;
        else
            root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "vaetoolkit", "datasets");
    }

    /// <summary>The folders searched for <c>&lt;name&gt;/</c>, in order.</summary>
    public IReadOnlyList<string> SearchDirectories(string? dataDir)
    {
        var folders = new List<string>();
        if (!string.IsNullOrWhiteSpace(dataDir)) folders.Add(Path.GetFullPath(dataDir));
        if (EnvironmentDirectory is not null) folders.Add(EnvironmentDirectory);
        folders.Add(CacheDirectory);
        return folders.Distinct().ToList();
    }

    public Uri DownloadUrl(string name) => new(BaseUrl, $"{name}.zip");

    /// <summary>The ratings file of a MovieLens set: <c>ratings.csv</c>, <c>ratings.dat</c> (ml-1m) or <c>u.data</c> (ml-100k).</summary>
    public static string RatingsFileName(string name) => LayoutOf(name).RatingsFile;

    /// <summary>The movie titles file of a MovieLens set: <c>movies.csv</c>, <c>movies.dat</c> (ml-1m) or <c>u.item</c> (ml-100k).</summary>
    public static string MoviesFileName(string name) => LayoutOf(name).MoviesFile;

    /// <summary>The path of <c>&lt;name&gt;/&lt;ratings file&gt;</c>: the first one found, or else a fresh download.</summary>
    /// <exception cref="DatasetDownloadException">The set is nowhere on disk and the download failed.</exception>
    public string FindOrDownload(string name, string? dataDir, IProgress<string>? log = null, CancellationToken cancellationToken = default)
    {
        Layout layout = LayoutOf(name);
        IReadOnlyList<string> folders = SearchDirectories(dataDir);
        foreach (string folder in folders)
        {
            string ratings = Path.Combine(folder, name, layout.RatingsFile);
            if (File.Exists(ratings)) return ratings;
        }
        log?.Report($"{name} was not found in {string.Join(", ", folders)}; downloading it.");
        Download(name, layout, Path.Combine(folders[0], name, layout.RatingsFile), log, cancellationToken);
        return Path.Combine(CacheDirectory, name, layout.RatingsFile);
    }

    /// <summary>The lock file that downloads of <paramref name="name"/> into <see cref="CacheDirectory"/> take turns on.</summary>
    public string LockPath(string name) => Path.Combine(CacheDirectory, ".locks", $"{name}.lock");

    private static Layout LayoutOf(string name) =>
        Layouts.TryGetValue(name, out var layout) ? layout : throw new ArgumentException($"'{name}' is not a MovieLens data set ({string.Join(", ", Layouts.Keys)})", nameof(name));

    /// <summary>
    /// Downloads <c>&lt;name&gt;.zip</c>, checks its SHA-256 and that it holds the set's ratings file in its format, and
    /// unpacks it to <c>&lt;cache&gt;/&lt;name&gt;</c>. Downloads of one set take turns: one that finds the set there
    /// once its turn comes (another process downloaded it) is done. A failure names the URL and
    /// <paramref name="manualPath"/>, where the user can put the ratings file by hand.
    /// </summary>
    private void Download(string name, Layout layout, string manualPath, IProgress<string>? log, CancellationToken cancellationToken)
    {
        Uri url = DownloadUrl(name);
        string target = Path.Combine(CacheDirectory, name);
        string zipPath = Path.Combine(CacheDirectory, $"{name}.zip.partial-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(CacheDirectory);
            using FileLock turn = FileLock.Acquire(LockPath(name), log, $"Waiting for another process that is downloading {name} into {CacheDirectory}", cancellationToken);
            if (File.Exists(Path.Combine(target, layout.RatingsFile)))
            {
                log?.Report($"{name} was downloaded by another process meanwhile: {target}");
                return;
            }
            string actual = DownloadAsync(url, zipPath, log, cancellationToken).GetAwaiter().GetResult();
            if (!ArchiveSha256.TryGetValue(name, out string? expected))
                throw new InvalidDataException($"no SHA-256 is pinned for {name}.zip, so the download was discarded");
            if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
                throw new InvalidDataException($"{name}.zip has SHA-256 {actual}, not the pinned {expected}: it is not the archive this toolkit knows, and the download was discarded");
            Unpack(zipPath, name, layout, target);
            log?.Report($"{name} is ready in {target}.");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException e)
        {
            throw Failure(name, layout, url, manualPath, $"no response for {Timeout.TotalSeconds:0.#} s", e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw Failure(name, layout, url, manualPath, e.Message, e);
        }
        finally
        {
            if (File.Exists(zipPath)) File.Delete(zipPath);
        }
    }

    private static DatasetDownloadException Failure(string name, Layout layout, Uri url, string manualPath, string reason, Exception inner) =>
        new($"{name} is not on this machine and downloading {url} failed: {reason}. " +
            $"Download it another way and put its {layout.RatingsFile} (and {layout.MoviesFile}) at {manualPath}, " +
            $"or point data.data_dir or ${EnvironmentVariable} at a folder that holds {name}/{layout.RatingsFile}.",
            url, manualPath, inner);

    /// <returns>The SHA-256 of the bytes received, in lower-case hex.</returns>
    private async Task<string> DownloadAsync(Uri url, string zipPath, IProgress<string>? log, CancellationToken cancellationToken)
    {
        // No overall timeout (ml-20m is 190 MB); instead every wait, for the response or for the next
        // piece of the body, gets Timeout, and connecting gets ConnectTimeout.
        using var client = _handler is null
            ? new HttpClient(new SocketsHttpHandler { ConnectTimeout = ConnectTimeout })
            : new HttpClient(_handler, disposeHandler: false);
        client.Timeout = System.Threading.Timeout.InfiniteTimeSpan;
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stall.CancelAfter(Timeout);

        using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, stall.Token).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"the server answered {(int)response.StatusCode} {response.ReasonPhrase}");
        long? length = response.Content.Headers.ContentLength;
        await using var body = await response.Content.ReadAsStreamAsync(stall.Token).ConfigureAwait(false);
        await using var file = new FileStream(zipPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);

        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        long received = 0;
        long reportedPercent = 0;
        long reportedBytes = 0;
        log?.Report($"Downloading {url}" + (length is long total ? $" ({total / 1e6:0.0} MB)" : ""));
        while (true)
        {
            stall.CancelAfter(Timeout);
            int read = await body.ReadAsync(buffer, stall.Token).ConfigureAwait(false);
            if (read == 0) break;
            await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            sha256.AppendData(buffer, 0, read);
            received += read;
            if (length is long expected && expected > 0)
            {
                long percent = received * 100 / expected;
                if (percent < reportedPercent + 5 && received != expected) continue;
                reportedPercent = percent;
                log?.Report($"Downloading {url}: {percent}%");
            }
            else if (received - reportedBytes >= 10_000_000)
            {
                reportedBytes = received;
                log?.Report($"Downloading {url}: {received / 1e6:0} MB");
            }
        }
        if (length is long size && received != size)
            throw new IOException($"the download ended after {received:N0} of {size:N0} bytes");
        return Convert.ToHexStringLower(sha256.GetHashAndReset());
    }

    /// <summary>
    /// Checks the archive, unpacks the kept files next to the target, flushes them (each file, then the folder's
    /// entries) to disk and renames them into place, then flushes the parent folder so that the rename lasts too.
    /// </summary>
    private static void Unpack(string zipPath, string name, Layout layout, string target)
    {
        string partial = $"{target}.partial-{Guid.NewGuid():N}";
        try
        {
            using (ZipArchive archive = ZipFile.OpenRead(zipPath))
            {
                ZipArchiveEntry ratings = archive.GetEntry($"{name}/{layout.RatingsFile}")
                    ?? throw new InvalidDataException($"the archive holds no {name}/{layout.RatingsFile}");
                using (var reader = new StreamReader(ratings.Open()))
                {
                    string? first = reader.ReadLine();
                    if (!layout.IsFirstLine(first))
                        throw new InvalidDataException($"{name}/{layout.RatingsFile} starts with '{first}', not {layout.FirstLine}");
                }
                Directory.CreateDirectory(partial);
                foreach (string file in layout.KeptFiles)
                    if (archive.GetEntry($"{name}/{file}") is { } entry) ExtractDurably(entry, Path.Combine(partial, file));
            }
            DiskFlush.Directory(partial);

            string parent = Path.GetDirectoryName(target)!;
            if (!Directory.Exists(target))
            {
                Directory.Move(partial, target);
                DiskFlush.Directory(parent);
                return;
            }
            // The folder exists without the ratings file (the user made it, or an earlier attempt failed).
            foreach (string file in layout.KeptFiles)
            {
                string from = Path.Combine(partial, file);
                if (File.Exists(from)) File.Move(from, Path.Combine(target, file), overwrite: true);
            }
            DiskFlush.Directory(target);
        }
        finally
        {
            if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        }
    }

    private static void ExtractDurably(ZipArchiveEntry entry, string path)
    {
        using Stream input = entry.Open();
        using var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        input.CopyTo(output);
        output.Flush(flushToDisk: true);
    }

    /// <summary>
    /// The files of one MovieLens set. <see cref="KeptFiles"/> are unpacked from the archive (ml-20m also
    /// holds large genome files nobody here reads); the ratings file comes last: its presence marks a complete set.
    /// </summary>
    private sealed record Layout(string RatingsFile, string MoviesFile, string Readme, Func<string?, bool> IsFirstLine, string FirstLine)
    {
        public string[] KeptFiles => [MoviesFile, Readme, RatingsFile];
    }
}

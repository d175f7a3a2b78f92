using VaeToolkit.Data;

namespace VaeToolkit.Runs;

/// <summary>
/// A model directory (<see cref="ModelFiles"/>) opened for serving: the card, the items, the known
/// users' histories and the test users, plus the paths of the two ONNX graphs.
/// </summary>
public sealed class ModelBundle
{
    private readonly Dictionary<string, int> rowByUserId;

    private ModelBundle(string directory, ModelCard card, ItemTable items, CsrMatrix userHistories, string[] userIds, HeldOutUsers test)
    {
        Directory = directory;
        Card = card;
        Items = items;
        UserHistories = userHistories;
        UserIds = userIds;
        Test = test;
        rowByUserId = new Dictionary<string, int>(userIds.Length, StringComparer.Ordinal);
        for (int row = 0; row < userIds.Length; row++) rowByUserId.TryAdd(userIds[row], row);
    }

    /// <summary>The model directory's full path.</summary>
    public string Directory { get; }

    public ModelCard Card { get; }

    public ItemTable Items { get; }

    /// <summary>Every known user's items; rows line up with <see cref="UserIds"/>.</summary>
    public CsrMatrix UserHistories { get; }

    public IReadOnlyList<string> UserIds { get; }

    public HeldOutUsers Test { get; }

    public string RecommenderPath => Path.Combine(Directory, ModelFiles.Recommender);

    /// <summary>The encoder graph's path; null for a model without one (<see cref="ModelCard.LatentDim"/> null).</summary>
    public string? EncoderPath => Card.LatentDim is null ? null : Path.Combine(Directory, ModelFiles.Encoder);

    /// <summary>The row of a known user in <see cref="UserHistories"/>.</summary>
    public bool TryGetUser(string userId, out int row) => rowByUserId.TryGetValue(userId, out row);

    /// <summary>
    /// Writes every file of a model directory except the two ONNX graphs (the exporter's job), each
    /// one atomically, the card last: it records the SHA-256 of every other file then present, so the
    /// graphs are to be exported first (graphs added later are not checked).
    /// </summary>
    public static void Write(string directory, ModelCard card, ItemTable items, CsrMatrix userHistories, string[] userIds, HeldOutUsers test)
    {
        string? problem = Inconsistency(card, items, userHistories, userIds, test);
        if (problem is not null) throw new ArgumentException(problem);

        System.IO.Directory.CreateDirectory(directory);
        items.Save(Path.Combine(directory, ModelFiles.Items));
        CsrFile.Save(Path.Combine(directory, ModelFiles.UserHistories), userHistories, userIds);
        CsrFile.Save(Path.Combine(directory, ModelFiles.TestFoldIn), test.FoldIn, test.UserIds);
        CsrFile.Save(Path.Combine(directory, ModelFiles.TestTargets), test.Targets, test.UserIds);
        card = card with { FileSha256 = ModelFileHashes.Compute(directory) };
        card.Save(Path.Combine(directory, ModelFiles.Card));
    }

    /// <summary>
    /// Opens a model directory, or the model of a run directory (its <see cref="RunFiles.ModelFolder"/>).
    /// Throws <see cref="ModelBundleException"/> naming the directory and every missing file, or the
    /// file that does not match its SHA-256 in the card, or that cannot be read or does not fit the others.
    /// </summary>
    public static ModelBundle Open(string path)
    {
        string directory = ResolveDirectory(path);
        string[] missing = [.. ModelFiles.RequiredFor(PeekCard(directory)).Where(file => !File.Exists(Path.Combine(directory, file)))];
        if (missing.Length > 0)
        {
            throw new ModelBundleException(directory,
                $"'{directory}' is not a complete model directory: missing {string.Join(", ", missing)}", missing);
        }

        ModelCard card = Read(directory, ModelFiles.Card, ModelCard.Load);
        ModelFileHashes.Verify(directory, card);
        ItemTable items = Read(directory, ModelFiles.Items, ItemTable.Load);
        var (histories, userIds) = Read(directory, ModelFiles.UserHistories, CsrFile.Load);
        var (foldIn, foldInIds) = Read(directory, ModelFiles.TestFoldIn, CsrFile.Load);
        var (targets, targetIds) = Read(directory, ModelFiles.TestTargets, CsrFile.Load);
        if (!foldInIds.SequenceEqual(targetIds))
            throw new ModelBundleException(directory, $"'{directory}': {ModelFiles.TestFoldIn} and {ModelFiles.TestTargets} list different users");

        var test = new HeldOutUsers(foldInIds, foldIn, targets);
        string? problem = Inconsistency(card, items, histories, userIds, test);
        if (problem is not null) throw new ModelBundleException(directory, $"'{directory}': {problem}");
        return new ModelBundle(directory, card, items, histories, userIds, test);
    }

    /// <summary>
    /// The model directory that <paramref name="path"/> names: itself when it holds a model card,
    /// else its <see cref="RunFiles.ModelFolder"/> when it has one (a run directory), else itself.
    /// A link (the serving <c>current</c> of scripts/Update-VaeModel.ps1) is resolved to the folder it
    /// names, once: every file of one opening then comes from that version even if the link is switched.
    /// </summary>
    public static string ResolveDirectory(string path)
    {
        string directory = Path.GetFullPath(path);
        if (!System.IO.Directory.Exists(directory))
            throw new ModelBundleException(directory, $"model directory '{directory}' does not exist", ModelFiles.Required);
        if (new DirectoryInfo(directory).ResolveLinkTarget(returnFinalTarget: true) is { } target) directory = target.FullName;
        string model = Path.Combine(directory, RunFiles.ModelFolder);
        return !File.Exists(Path.Combine(directory, ModelFiles.Card)) && System.IO.Directory.Exists(model) ? model : directory;
    }

    /// <summary>The card when it can be read, for knowing which files to expect; null otherwise (reading it again below reports why).</summary>
    private static ModelCard? PeekCard(string directory)
    {
        try
        {
            return ModelCard.Load(Path.Combine(directory, ModelFiles.Card));
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static T Read<T>(string directory, string file, Func<string, T> load)
    {
        try
        {
            return load(Path.Combine(directory, file));
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new ModelBundleException(directory, $"'{directory}': cannot read {file}: {e.Message}", inner: e);
        }
    }

    private static string? Inconsistency(ModelCard card, ItemTable items, CsrMatrix histories, string[] userIds, HeldOutUsers test)
    {
        if (items.Count != card.ItemCount)
            return $"the model card says {card.ItemCount} items but the item table has {items.Count}";
        foreach (var (name, matrix) in new[] { ("user histories", histories), ("test fold-in", test.FoldIn), ("test targets", test.Targets) })
        {
            if (matrix.ColumnCount != card.ItemCount)
                return $"the {name} have {matrix.ColumnCount} item columns, the model {card.ItemCount}";
        }
        if (userIds.Length != histories.RowCount)
            return $"{userIds.Length} user ids for {histories.RowCount} user histories";
        if (test.UserIds.Length != test.FoldIn.RowCount || test.UserIds.Length != test.Targets.RowCount)
            return $"{test.UserIds.Length} test user ids for {test.FoldIn.RowCount} fold-in and {test.Targets.RowCount} target rows";
        return null;
    }
}

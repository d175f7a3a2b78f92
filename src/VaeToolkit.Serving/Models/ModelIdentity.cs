using VaeToolkit.Runs;

namespace VaeToolkit.Serving.Models;

/// <summary>
/// What a model path named at one moment: the folder it resolved to and its model card's size and
/// time. A promotion switches the link to another folder; a model exported again in place rewrites
/// the card (last, after the graphs), so either shows as a different identity.
/// </summary>
public sealed record ModelIdentity(string Directory, long CardLength, DateTime CardWriteUtc)
{
    public static ModelIdentity Of(string path)
    {
        string directory = ModelBundle.ResolveDirectory(path);
        var card = new FileInfo(Path.Combine(directory, ModelFiles.Card));
        return card.Exists ? new ModelIdentity(directory, card.Length, card.LastWriteTimeUtc) : new ModelIdentity(directory, -1, default);
    }
}

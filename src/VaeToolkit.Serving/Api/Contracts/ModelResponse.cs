using VaeToolkit.Runs;

namespace VaeToolkit.Serving.Api.Contracts;

/// <summary><c>GET /v1/model</c>: the served version, where it was loaded from, and its model card.</summary>
public sealed record ModelResponse(
    string Version,
    string Directory,
    DateTime LoadedUtc,
    int KnownUsers,
    bool CanIncludeSeen,
    bool HasItemEmbeddings,
    ModelCard Card);

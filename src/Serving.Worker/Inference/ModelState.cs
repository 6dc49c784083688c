namespace Serving.Worker.Inference;

/// <summary>Where a model stands in the worker, as RepositoryIndex reports it.</summary>
public enum ModelState
{
    /// <summary>Not loaded (never, unloaded, or its load failed).</summary>
    Unavailable,

    /// <summary>Loading for the first time: requests get UNAVAILABLE.</summary>
    Loading,

    /// <summary>Serving.</summary>
    Ready,

    /// <summary>Unloading: queued work finishes, new requests get UNAVAILABLE.</summary>
    Unloading,
}

/// <summary>One row of the repository index.</summary>
public sealed record ModelIndexEntry(string Name, string Version, ModelState State, string Reason);

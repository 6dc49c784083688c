namespace Serving.Router.Discovery;

/// <summary>Workers that appeared and disappeared in one discovery refresh, and the set after it.</summary>
public sealed class WorkerSetChangedEventArgs(IReadOnlyList<WorkerEndpoint> added, IReadOnlyList<WorkerEndpoint> removed, IReadOnlyList<WorkerEndpoint> current) : EventArgs
{
    /// <summary>New workers.</summary>
    public IReadOnlyList<WorkerEndpoint> Added { get; } = added;

    /// <summary>Workers gone.</summary>
    public IReadOnlyList<WorkerEndpoint> Removed { get; } = removed;

    /// <summary>Every worker after the change.</summary>
    public IReadOnlyList<WorkerEndpoint> Current { get; } = current;
}

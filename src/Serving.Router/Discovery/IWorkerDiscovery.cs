namespace Serving.Router.Discovery;

/// <summary>The set of worker endpoints, and notification when it changes.</summary>
public interface IWorkerDiscovery
{
    /// <summary>Workers known now, ordered by id.</summary>
    IReadOnlyList<WorkerEndpoint> Current { get; }

    /// <summary>Raised after the set changed (never with an empty change). Handlers run on the refreshing thread; keep them short.</summary>
    event EventHandler<WorkerSetChangedEventArgs>? Changed;
}

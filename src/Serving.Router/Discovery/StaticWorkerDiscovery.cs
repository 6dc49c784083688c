namespace Serving.Router.Discovery;

/// <summary>A fixed list of workers from configuration; it never changes.</summary>
internal sealed class StaticWorkerDiscovery : IWorkerDiscovery
{
    /// <param name="addresses">Worker addresses (<c>host:port</c> or <c>http(s)://host:port</c>); duplicates collapse.</param>
    public StaticWorkerDiscovery(IEnumerable<string> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        Current = addresses
            .Select(WorkerEndpoint.Parse)
            .DistinctBy(e => e.Id, StringComparer.Ordinal)
            .OrderBy(e => e.Id, StringComparer.Ordinal)
            .ToArray();
    }

    public IReadOnlyList<WorkerEndpoint> Current { get; }

    // The set is fixed: the event is never raised, so add/remove need not keep handlers.
    public event EventHandler<WorkerSetChangedEventArgs>? Changed
    {
        add { }
        remove { }
    }
}

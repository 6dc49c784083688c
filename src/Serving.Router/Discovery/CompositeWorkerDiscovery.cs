namespace Serving.Router.Discovery;

/// <summary>
/// The union of several discoveries (e.g. one DNS name per worker pool of a Helm release, plus
/// static addresses), as one set: a worker found by two sources counts once.
/// </summary>
/// <remarks>Changes of any source are re-published as the difference of the union; <c>_lock</c> guards the union.</remarks>
internal sealed class CompositeWorkerDiscovery : IWorkerDiscovery, IAsyncDisposable
{
    private readonly IReadOnlyList<IWorkerDiscovery> _sources;
    private readonly Lock _lock = new();
    private IReadOnlyList<WorkerEndpoint> _current;

    public CompositeWorkerDiscovery(IReadOnlyList<IWorkerDiscovery> sources)
    {
        _sources = sources;
        _current = Union();
        foreach (var source in sources)
        {
            source.Changed += OnSourceChanged;
        }
    }

    public IReadOnlyList<WorkerEndpoint> Current
    {
        get
        {
            lock (_lock)
            {
                return _current;
            }
        }
    }

    public event EventHandler<WorkerSetChangedEventArgs>? Changed;

    /// <summary>Starts the DNS sources (first resolution included).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var dns in _sources.OfType<DnsWorkerDiscovery>())
        {
            await dns.StartAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var source in _sources)
        {
            source.Changed -= OnSourceChanged;
            if (source is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private IReadOnlyList<WorkerEndpoint> Union() =>
        _sources.SelectMany(s => s.Current).DistinctBy(e => e.Id, StringComparer.Ordinal).OrderBy(e => e.Id, StringComparer.Ordinal).ToArray();

    private void OnSourceChanged(object? sender, WorkerSetChangedEventArgs e)
    {
        WorkerSetChangedEventArgs change;
        lock (_lock)
        {
            var after = Union();
            var beforeIds = _current.Select(w => w.Id).ToHashSet(StringComparer.Ordinal);
            var afterIds = after.Select(w => w.Id).ToHashSet(StringComparer.Ordinal);
            var added = after.Where(w => !beforeIds.Contains(w.Id)).ToArray();
            var removed = _current.Where(w => !afterIds.Contains(w.Id)).ToArray();
            if (added.Length == 0 && removed.Length == 0)
            {
                return;
            }

            _current = after;
            change = new WorkerSetChangedEventArgs(added, removed, after);
        }

        Changed?.Invoke(this, change);
    }
}

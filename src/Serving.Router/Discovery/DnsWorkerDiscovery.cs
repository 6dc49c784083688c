using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Serving.Router.Discovery;

/// <summary>Workers from a DNS name re-resolved periodically; additions and removals raise <see cref="Changed"/>.</summary>
/// <remarks>
/// A failed or empty resolution keeps the known set: a DNS blip (or a rolling restart that briefly
/// leaves no ready pod behind a headless Service) must not drop every worker, and a worker that is
/// really gone is noticed anyway by its broken load stream. Refreshes never overlap: a timer tick
/// during a slow resolution is skipped. State is written under <c>_lock</c>; events are raised
/// outside it, in refresh order.
/// </remarks>
internal sealed class DnsWorkerDiscovery : IWorkerDiscovery, IAsyncDisposable
{
    private readonly DnsDiscoveryOptions _options;
    private readonly IDnsResolver _resolver;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private IReadOnlyList<WorkerEndpoint> _current = [];
    private ITimer? _timer;
    private int _refreshing;

    public DnsWorkerDiscovery(DnsDiscoveryOptions options, IDnsResolver resolver, TimeProvider time, ILogger<DnsWorkerDiscovery>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Host);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.RefreshInterval, TimeSpan.Zero);
        _options = options;
        _resolver = resolver;
        _time = time;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
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

    /// <summary>Resolves once now, then every <see cref="DnsDiscoveryOptions.RefreshInterval"/>.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        _timer = _time.CreateTimer(static state => _ = ((DnsWorkerDiscovery)state!).RefreshAsync(CancellationToken.None), this, _options.RefreshInterval, _options.RefreshInterval);
    }

    /// <summary>Resolves the name and applies the difference. Returns false when skipped (another refresh running) or failed.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _refreshing, 1) == 1)
        {
            return false;
        }

        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
            IPAddress[] addresses;
            try
            {
                addresses = await _resolver.ResolveAsync(_options.Host, linked.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !linked.IsCancellationRequested)
            {
                DiscoveryLog.ResolveFailed(_logger, _options.Host, Current.Count, ex);
                return false;
            }

            if (addresses.Length == 0)
            {
                return false;
            }

            Apply(addresses.Distinct().Select(ToEndpoint).OrderBy(e => e.Id, StringComparer.Ordinal).ToArray());
            return true;
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
    }

    private WorkerEndpoint ToEndpoint(IPAddress address)
    {
        var authority = new IPEndPoint(address, _options.Port).ToString();
        return new WorkerEndpoint(authority, new Uri((_options.UseTls ? "https://" : "http://") + authority));
    }

    private void Apply(WorkerEndpoint[] resolved)
    {
        WorkerSetChangedEventArgs change;
        lock (_lock)
        {
            var before = _current.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
            var after = resolved.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
            var added = resolved.Where(e => !before.Contains(e.Id)).ToArray();
            var removed = _current.Where(e => !after.Contains(e.Id)).ToArray();
            if (added.Length == 0 && removed.Length == 0)
            {
                return;
            }

            _current = resolved;
            change = new WorkerSetChangedEventArgs(added, removed, resolved);
        }

        DiscoveryLog.WorkersChanged(_logger, _options.Host, change.Added.Count, change.Removed.Count, change.Current.Count);
        Changed?.Invoke(this, change);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }
    }
}

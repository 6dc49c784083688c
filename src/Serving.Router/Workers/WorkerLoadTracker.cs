using Serving.Protocol;
using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Serving.Grpc;
using Serving.Protocol.V1;
using Serving.Router.Discovery;
using Serving.Router.Selection;

namespace Serving.Router.Workers;

/// <summary>
/// Follows every discovered worker's <c>WatchLoad</c> stream, keeps its latest report and what
/// this router sent it since, and publishes immutable <see cref="ClusterSnapshot"/>s.
/// </summary>
/// <remarks>
/// <para>One loop per worker subscribes, applies each report, and on a broken or ended stream marks
/// the worker unreachable and reconnects after <see cref="ReconnectBackoff"/> (timed by the
/// injected <see cref="TimeProvider"/>). The reconnect delay is armed before the unreachable state
/// is published, so whoever sees that state can rely on the delay being under way.</para>
/// <para>A stream that stays open but silent for <see cref="LoadTrackerOptions.StaleAfter"/> (a
/// stalled worker) is treated as broken: a sweep timer marks the worker unreachable and cancels
/// the call, which sends the loop down the reconnect path.</para>
/// <para>All worker state is written under <c>_lock</c>; each change rebuilds only that worker's
/// <see cref="WorkerSnapshot"/> and swaps in a new cluster snapshot, so readers never lock.
/// <see cref="Published"/> is raised outside the lock.</para>
/// </remarks>
internal sealed class WorkerLoadTracker : IAsyncDisposable
{
    private readonly IWorkerDiscovery _discovery;
    private readonly WorkerChannelPool _channels;
    private readonly LoadTrackerOptions _options;
    private readonly TimeProvider _time;
    private readonly IRandomFactory _random;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly SortedDictionary<string, WorkerState> _workers = new(StringComparer.Ordinal);
    private ClusterSnapshot _current = ClusterSnapshot.Empty;
    private ITimer? _sweep;
    private bool _disposed;

    public WorkerLoadTracker(
        IWorkerDiscovery discovery,
        WorkerChannelPool channels,
        LoadTrackerOptions options,
        TimeProvider time,
        IRandomFactory? random = null,
        ILogger<WorkerLoadTracker>? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.StaleAfter, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.InitialBackoff, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBackoff, options.InitialBackoff);
        _discovery = discovery;
        _channels = channels;
        _options = options;
        _time = time;
        _random = random ?? SharedRandomFactory.Instance;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The latest snapshot (never null; empty before <see cref="Start"/>).</summary>
    public ClusterSnapshot Current => Volatile.Read(ref _current);

    /// <summary>Raised after each new snapshot, outside any lock; snapshots from different workers may be raised out of order, <see cref="Current"/> is always the newest.</summary>
    public event EventHandler<ClusterSnapshot>? Published;

    /// <summary>Raised when a worker's stream broke and its reconnect delay is armed: worker id and delay (for metrics and tests).</summary>
    public event Action<string, TimeSpan>? ReconnectScheduled;

    /// <summary>Subscribes to the discovered workers and follows discovery changes.</summary>
    public void Start()
    {
        _discovery.Changed += OnDiscoveryChanged;
        Update(_discovery.Current, []);
        var period = _options.StaleAfter / 2;
        _sweep = _time.CreateTimer(static state => ((WorkerLoadTracker)state!).SweepStale(), this, period, period);
    }

    /// <summary>Every tracked worker: address, the id it reports, whether its stream is up, and when its last report arrived (null before the first).</summary>
    public IReadOnlyList<(string Address, string? ReportedId, bool Connected, DateTimeOffset? LastReportAt)> Describe()
    {
        lock (_lock)
        {
            return _workers.Values
                .Select(w => (w.Endpoint.Id, w.Report?.WorkerId, w.Connected && !w.Stale, w.Report is null ? (DateTimeOffset?)null : w.LastReportAt))
                .ToArray();
        }
    }

    /// <summary>
    /// A token cancelled when <paramref name="worker"/> next stops being routable (its load stream
    /// broke, went silent, or discovery removed it); <see cref="CancellationToken.None"/> for an
    /// unknown worker. Calls in flight to it use this to give up at once and retry elsewhere
    /// instead of waiting on a stalled or dead worker until their deadline.
    /// </summary>
    public CancellationToken DownToken(string worker)
    {
        lock (_lock)
        {
            return _workers.TryGetValue(worker, out var state) ? state.Down.Token : CancellationToken.None;
        }
    }

    /// <summary>Counts a request this router sent to <paramref name="worker"/> for <paramref name="model"/>, until the worker's next report covers it.</summary>
    public void RecordSent(string worker, string model)
    {
        ClusterSnapshot? published;
        lock (_lock)
        {
            if (!_workers.TryGetValue(worker, out var state))
            {
                return;
            }

            if (!state.Sent.TryGetValue(model, out var sent))
            {
                state.Sent[model] = sent = new Queue<long>();
            }

            sent.Enqueue(_time.GetTimestamp());
            published = RebuildLocked(state);
        }

        Raise(published);
    }

    /// <summary>
    /// Records how long a call of <paramref name="model"/> on <paramref name="worker"/> took against
    /// its uncalibrated prediction (<see cref="CompletionPredictor.PredictUncalibrated"/>); the
    /// snapshot is republished when the model's calibration factor moves by more than 1%.
    /// </summary>
    public void RecordOutcome(string worker, string model, TimeSpan predicted, TimeSpan observed)
    {
        if (!_options.Calibration.Enabled || predicted <= TimeSpan.Zero)
        {
            return;
        }

        ClusterSnapshot? published = null;
        lock (_lock)
        {
            if (!_workers.TryGetValue(worker, out var state))
            {
                return;
            }

            if (!state.Calibration.TryGetValue(model, out var window))
            {
                state.Calibration[model] = window = new CalibrationWindow(_options.Calibration, _time);
            }

            var before = window.Factor;
            var after = window.Add(predicted, observed);
            if (Math.Abs(after - before) > 0.01 * before)
            {
                published = RebuildLocked(state);
            }
        }

        Raise(published);
    }

    private void OnDiscoveryChanged(object? sender, WorkerSetChangedEventArgs change) => Update(change.Added, change.Removed);

    private void Update(IReadOnlyList<WorkerEndpoint> added, IReadOnlyList<WorkerEndpoint> removed)
    {
        var started = new List<WorkerState>();
        var stopped = new List<WorkerState>();
        ClusterSnapshot published;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            foreach (var endpoint in removed)
            {
                if (_workers.Remove(endpoint.Id, out var state))
                {
                    stopped.Add(state);
                }
            }

            foreach (var endpoint in added)
            {
                if (!_workers.ContainsKey(endpoint.Id))
                {
                    var state = new WorkerState(endpoint);
                    _workers.Add(endpoint.Id, state);
                    started.Add(state);
                }
            }

            published = PublishLocked();
        }

        foreach (var state in stopped)
        {
            state.Stop.Cancel();
            state.SignalDown();
            var id = state.Endpoint.Id;
            _ = state.Loop.ContinueWith(
                _ =>
                {
                    lock (_lock)
                    {
                        if (_workers.ContainsKey(id))
                        {
                            return;
                        }
                    }

                    _channels.Remove(id);
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        foreach (var state in started)
        {
            state.Loop = Task.Run(() => RunAsync(state, state.Stop.Token));
        }

        Raise(published);
    }

    private async Task RunAsync(WorkerState state, CancellationToken stopping)
    {
        var request = new WatchLoadRequest
        {
            Subscriber = _options.Subscriber,
            IntervalMs = (uint)Math.Clamp(_options.ReportInterval.TotalMilliseconds, 0, uint.MaxValue),
        };
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            Exception? failure = null;
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            try
            {
                lock (_lock)
                {
                    state.Attempt = attempt;
                }

                using var call = _channels.Get(state.Endpoint).ServerStreaming(WorkerControlMethods.WatchLoad, request, new CallOptions(CancellationToken: attempt.Token));
                while (await call.ResponseStream.MoveNext(attempt.Token).ConfigureAwait(false))
                {
                    failures = 0;
                    OnReport(state, call.ResponseStream.Current);
                }
            }
            catch (Exception ex) when (!stopping.IsCancellationRequested)
            {
                failure = ex;
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                return;
            }

            if (stopping.IsCancellationRequested)
            {
                return;
            }

            var delay = ReconnectBackoff.Delay(failures++, _options.InitialBackoff, _options.MaxBackoff, _random.Create());
            var wait = Task.Delay(delay, _time, stopping);
            OnBroken(state, delay, failure);
            try
            {
                await wait.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void OnReport(WorkerState state, LoadReport report)
    {
        ClusterSnapshot? published;
        bool connected;
        lock (_lock)
        {
            connected = !state.Connected;
            state.Connected = true;
            state.Stale = false;
            state.Report = report;
            state.LastReportAt = _time.GetUtcNow();
            var now = _time.GetTimestamp();
            foreach (var sent in state.Sent.Values)
            {
                while (sent.TryPeek(out var at) && _time.GetElapsedTime(at, now) >= _options.SentCoverageDelay)
                {
                    sent.Dequeue();
                }
            }

            foreach (var window in state.Calibration.Values)
            {
                window.Refresh();
            }

            published = RebuildLocked(state);
        }

        if (connected)
        {
            LoadTrackerLog.Connected(_logger, state.Endpoint.Id);
        }

        Raise(published);
    }

    private void OnBroken(WorkerState state, TimeSpan delay, Exception? failure)
    {
        ClusterSnapshot? published;
        lock (_lock)
        {
            state.Connected = false;
            state.Attempt = null;
            published = RebuildLocked(state);
        }

        state.SignalDown();
        LoadTrackerLog.Broken(_logger, state.Endpoint.Id, failure switch { RpcException rpc => $"{rpc.StatusCode}: {rpc.Status.Detail}", null => "stream ended", _ => failure.Message }, delay.TotalMilliseconds);
        Raise(published);
        ReconnectScheduled?.Invoke(state.Endpoint.Id, delay);
    }

    private void SweepStale()
    {
        var now = _time.GetUtcNow();
        var stalled = new List<(WorkerState State, CancellationTokenSource? Attempt)>();
        ClusterSnapshot? published = null;
        lock (_lock)
        {
            foreach (var state in _workers.Values)
            {
                if (state.Connected && !state.Stale && now - state.LastReportAt > _options.StaleAfter)
                {
                    state.Stale = true;
                    stalled.Add((state, state.Attempt));
                    published = RebuildLocked(state);
                }
            }
        }

        foreach (var (state, attempt) in stalled)
        {
            LoadTrackerLog.Stale(_logger, state.Endpoint.Id, (now - state.LastReportAt).TotalMilliseconds);
            try
            {
                attempt?.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The attempt ended on its own meanwhile; its loop is already reconnecting.
            }
        }

        Raise(published);
    }

    /// <summary>Rebuilds <paramref name="state"/>'s worker snapshot and publishes. Caller holds <c>_lock</c>. Null when the worker is no longer tracked.</summary>
    private ClusterSnapshot? RebuildLocked(WorkerState state)
    {
        if (!_workers.TryGetValue(state.Endpoint.Id, out var tracked) || !ReferenceEquals(tracked, state))
        {
            return null;
        }

        var models = state.Report is null ? [] : LoadReportConversion.ToModelLoads(
            state.Report,
            m => state.Sent.TryGetValue(m, out var sent) ? sent.Count : 0,
            state.LastReportAt,
            m => state.Calibration.TryGetValue(m, out var window) ? window.Factor : 1);
        state.Snapshot = WorkerSnapshot.Create(state.Endpoint.Id, state.Connected && !state.Stale, models);
        return PublishLocked();
    }

    /// <summary>Swaps in a snapshot of every worker's current snapshot. Caller holds <c>_lock</c>.</summary>
    private ClusterSnapshot PublishLocked()
    {
        var snapshot = new ClusterSnapshot(_workers.Values.Select(w => w.Snapshot).ToImmutableArray(), _time.GetUtcNow());
        Volatile.Write(ref _current, snapshot);
        return snapshot;
    }

    private void Raise(ClusterSnapshot? snapshot)
    {
        if (snapshot is not null)
        {
            Published?.Invoke(this, snapshot);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _discovery.Changed -= OnDiscoveryChanged;
        WorkerState[] states;
        lock (_lock)
        {
            _disposed = true;
            states = _workers.Values.ToArray();
            _workers.Clear();
        }

        if (_sweep is not null)
        {
            await _sweep.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var state in states)
        {
            await state.Stop.CancelAsync().ConfigureAwait(false);
        }

        await Task.WhenAll(states.Select(s => s.Loop)).ConfigureAwait(false);
        foreach (var state in states)
        {
            _channels.Remove(state.Endpoint.Id);
            state.Stop.Dispose();
        }
    }

    /// <summary>What the tracker knows of one worker; mutable, guarded by the tracker's <c>_lock</c>.</summary>
    private sealed class WorkerState(WorkerEndpoint endpoint)
    {
        public WorkerEndpoint Endpoint { get; } = endpoint;

        public CancellationTokenSource Stop { get; } = new();

        public Task Loop { get; set; } = Task.CompletedTask;

        public CancellationTokenSource? Attempt { get; set; }

        public bool Connected { get; set; }

        public bool Stale { get; set; }

        public LoadReport? Report { get; set; }

        public DateTimeOffset LastReportAt { get; set; }

        /// <summary>When each request not yet covered by a report was sent (timestamps), per model.</summary>
        public Dictionary<string, Queue<long>> Sent { get; } = new(StringComparer.Ordinal);

        /// <summary>Recent calls per model against their predictions (<see cref="RecordOutcome"/>).</summary>
        public Dictionary<string, CalibrationWindow> Calibration { get; } = new(StringComparer.Ordinal);

        private CancellationTokenSource _down = new();

        /// <summary>Cancelled (and replaced) each time the worker stops being routable; see <see cref="DownToken"/>.</summary>
        public CancellationTokenSource Down => Volatile.Read(ref _down);

        /// <summary>
        /// Cancels the current down token and arms a new one for the worker's next life. Call outside
        /// <c>_lock</c> (callbacks run inline). The old source is not disposed: a caller may still read its token.
        /// </summary>
        public void SignalDown() => Interlocked.Exchange(ref _down, new CancellationTokenSource()).Cancel();

        public WorkerSnapshot Snapshot { get; set; } = WorkerSnapshot.Create(endpoint.Id, reachable: false, []);
    }
}

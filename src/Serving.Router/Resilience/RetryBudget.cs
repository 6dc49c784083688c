namespace Serving.Router.Resilience;

/// <summary>Caps retries and hedges to a fraction of recent requests so that an outage cannot multiply load.</summary>
/// <remarks>
/// Counts requests and retries over a sliding window of <see cref="RetryBudgetOptions.Window"/>
/// split into ten buckets. A retry (or hedge) is allowed while
/// retries &lt; ratio × requests + floor × window-seconds, as in Finagle's and gRPC's retry budgets:
/// steady failures of a few percent are retried in full, while a dead cluster sees at most
/// (1 + ratio) times its normal load. The floor lets a quiet router still retry. Time comes from
/// the injected <see cref="TimeProvider"/>; state is guarded by <c>_lock</c>.
/// </remarks>
internal sealed class RetryBudget
{
    private const int Buckets = 10;

    private readonly RetryBudgetOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly long[] _requests = new long[Buckets];
    private readonly long[] _retries = new long[Buckets];
    private readonly long _bucketTicks;
    private long _currentBucket;

    public RetryBudget(RetryBudgetOptions options, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Ratio, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MinRetriesPerSecond, 0);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Window, TimeSpan.Zero);
        _options = options;
        _time = time;
        _bucketTicks = Math.Max(1, options.Window.Ticks / Buckets);
        _currentBucket = time.GetUtcNow().UtcTicks / _bucketTicks;
    }

    /// <summary>Counts one original request (call once per client request, not per attempt).</summary>
    public void RecordRequest()
    {
        lock (_lock)
        {
            _requests[Advance()]++;
        }
    }

    /// <summary>Takes one retry from the budget when there is one.</summary>
    public bool TryWithdraw()
    {
        lock (_lock)
        {
            var index = Advance();
            var allowed = (_options.Ratio * _requests.Sum()) + (_options.MinRetriesPerSecond * _options.Window.TotalSeconds);
            if (_retries.Sum() + 1 > allowed)
            {
                return false;
            }

            _retries[index]++;
            return true;
        }
    }

    /// <summary>Moves the window to now, clearing buckets that fell out of it. Caller holds <c>_lock</c>. Returns the current bucket's index.</summary>
    private int Advance()
    {
        var bucket = _time.GetUtcNow().UtcTicks / _bucketTicks;
        var stale = Math.Min(bucket - _currentBucket, Buckets);
        for (var i = 1; i <= stale; i++)
        {
            var index = (int)((_currentBucket + i) % Buckets);
            _requests[index] = 0;
            _retries[index] = 0;
        }

        _currentBucket = Math.Max(_currentBucket, bucket);
        return (int)(_currentBucket % Buckets);
    }
}

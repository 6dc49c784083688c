using Serving.Worker.Batching;

namespace Serving.Worker.Statistics;

/// <summary>
/// Measured execution time per batch size over a sliding window (the last N samples, none older
/// than a maximum age). Gives p50/p99 to load reports and service-time estimates to the batcher.
/// </summary>
/// <remarks>
/// <para>Percentiles use the nearest-rank method on the samples in the window and are cached per
/// batch size until a new sample arrives or the oldest sample ages out, so the batcher's frequent
/// <see cref="Estimate"/> calls cost a dictionary lookup.</para>
/// <para>Unmeasured batch sizes are estimated conservatively: the estimate of the nearest larger
/// measured size (execution time grows with batch size), else the nearest smaller one scaled
/// linearly (batching is sublinear, so this over-estimates), else the configured default.</para>
/// <para>Thread-safe: one lock guards all windows; it is held for a sample copy and sort at most.</para>
/// </remarks>
public sealed class ServiceTimeRecorder : IServiceTimeEstimator
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly ServiceTimeRecorderOptions _options;
    private readonly SortedDictionary<int, SampleWindow> _windows = [];

    /// <summary>Creates an empty recorder.</summary>
    public ServiceTimeRecorder(TimeProvider timeProvider, ServiceTimeRecorderOptions? options = null)
    {
        _time = timeProvider;
        _options = options ?? new ServiceTimeRecorderOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.SamplesPerBatchSize, 1);
        if (_options.EstimatePercentile is <= 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "EstimatePercentile must be in (0, 1].");
        }
    }

    /// <summary>Records one execution of a batch of <paramref name="batchSize"/> that took <paramref name="duration"/>.</summary>
    public void Record(int batchSize, TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (!_windows.TryGetValue(batchSize, out var window))
            {
                window = new SampleWindow(_options.SamplesPerBatchSize);
                _windows.Add(batchSize, window);
            }

            window.Add(now, duration < TimeSpan.Zero ? TimeSpan.Zero : duration);
        }
    }

    /// <summary>The window's distribution for one batch size; null when it holds no sample.</summary>
    public ServiceTimeSummary? GetSummary(int batchSize)
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            return _windows.TryGetValue(batchSize, out var window) ? Summarize(batchSize, window, now) : null;
        }
    }

    /// <summary>Every batch size with samples in the window, ascending, as load reports publish them.</summary>
    public IReadOnlyList<ServiceTimeSummary> Snapshot()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            var result = new List<ServiceTimeSummary>(_windows.Count);
            foreach (var (size, window) in _windows)
            {
                if (Summarize(size, window, now) is { } summary)
                {
                    result.Add(summary);
                }
            }

            return result;
        }
    }

    /// <inheritdoc />
    public TimeSpan Estimate(int batchSize) => EstimateAt(batchSize, static p => p.Estimate);

    /// <inheritdoc />
    public TimeSpan EstimateTypical(int batchSize) => EstimateAt(batchSize, static p => p.P50);

    private TimeSpan EstimateAt(int batchSize, Func<WindowPercentiles, TimeSpan> pick)
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (_windows.TryGetValue(batchSize, out var exact) && exact.Percentiles(now, _options) is { } own)
            {
                return pick(own);
            }

            (int Size, TimeSpan Estimate)? smaller = null;
            foreach (var (size, window) in _windows)
            {
                if (window.Percentiles(now, _options) is not { } measured)
                {
                    continue;
                }

                if (size > batchSize)
                {
                    return pick(measured);
                }

                smaller = (size, pick(measured));
            }

            return smaller is { } below
                ? below.Estimate * ((double)batchSize / below.Size)
                : _options.DefaultEstimate;
        }
    }

    private ServiceTimeSummary? Summarize(int batchSize, SampleWindow window, DateTimeOffset now) =>
        window.Percentiles(now, _options) is { } p ? new ServiceTimeSummary(batchSize, p.P50, p.P99, p.Count) : null;
}

namespace Serving.Worker.Statistics;

/// <summary>
/// A ring of the most recent (time, duration) samples of one batch size with cached percentiles.
/// Not thread-safe: <see cref="ServiceTimeRecorder"/> calls it under its lock.
/// </summary>
internal sealed class SampleWindow(int capacity)
{
    private readonly DateTimeOffset[] _times = new DateTimeOffset[capacity];
    private readonly TimeSpan[] _durations = new TimeSpan[capacity];
    private int _next;
    private int _count;
    private WindowPercentiles? _cached;
    private DateTimeOffset _cacheValidUntil = DateTimeOffset.MinValue;

    public void Add(DateTimeOffset time, TimeSpan duration)
    {
        _times[_next] = time;
        _durations[_next] = duration;
        _next = (_next + 1) % _times.Length;
        _count = Math.Min(_count + 1, _times.Length);
        _cacheValidUntil = DateTimeOffset.MinValue;
    }

    /// <summary>Percentiles of the samples younger than the maximum age (at least the most recent <see cref="ServiceTimeRecorderOptions.MinSamplesKept"/>); null when there are none.</summary>
    public WindowPercentiles? Percentiles(DateTimeOffset now, ServiceTimeRecorderOptions options)
    {
        if (now < _cacheValidUntil)
        {
            return _cached;
        }

        var cutoff = now - options.MaxSampleAge;
        var live = new List<TimeSpan>(_count);
        var oldest = DateTimeOffset.MaxValue;
        for (var i = 0; i < _count; i++)
        {
            if (_times[i] > cutoff)
            {
                live.Add(_durations[i]);
                oldest = _times[i] < oldest ? _times[i] : oldest;
            }
        }

        var keep = Math.Min(options.MinSamplesKept, _count);
        if (live.Count < keep)
        {
            // Too few young samples: the most recent ones stand, until a new sample arrives.
            live.Clear();
            for (var k = 1; k <= keep; k++)
            {
                live.Add(_durations[(_next - k + _times.Length) % _times.Length]);
            }

            oldest = DateTimeOffset.MaxValue - options.MaxSampleAge;
        }

        if (live.Count == 0)
        {
            _cached = null;
            _cacheValidUntil = DateTimeOffset.MaxValue;
            return null;
        }

        live.Sort();
        _cached = new WindowPercentiles(
            NearestRank(live, 0.50),
            NearestRank(live, 0.99),
            NearestRank(live, options.EstimatePercentile),
            live.Count);

        // Valid until the oldest live sample ages out (or a new sample arrives).
        _cacheValidUntil = oldest + options.MaxSampleAge;
        return _cached;
    }

    private static TimeSpan NearestRank(List<TimeSpan> sorted, double percentile)
    {
        var rank = (int)Math.Ceiling(percentile * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}

/// <summary>Cached percentiles of one window.</summary>
internal sealed record WindowPercentiles(TimeSpan P50, TimeSpan P99, TimeSpan Estimate, int Count);

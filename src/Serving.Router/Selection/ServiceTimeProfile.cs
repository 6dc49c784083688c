using System.Collections.Immutable;

namespace Serving.Router.Selection;

/// <summary>Measured service time of one batch size: median and 99th percentile.</summary>
public readonly record struct BatchServiceTime(int BatchSize, TimeSpan P50, TimeSpan P99);

/// <summary>A worker's measured service-time distribution per batch size for one model version.</summary>
/// <remarks>
/// Workers report p50 and p99 only. A percentile between them is interpolated linearly in the
/// percentile (p95 = p50 + (p99 − p50) × 0.45 / 0.49); below p50 the p50 is used and above p99 the
/// p99, both conservative in the direction that matters for the SLO. A batch size that was not
/// measured uses the smallest measured size above it (a batch never runs faster than a smaller
/// one); above the largest measured size the time is scaled linearly with the size.
/// </remarks>
public sealed class ServiceTimeProfile
{
    private readonly ImmutableArray<BatchServiceTime> _points;

    /// <param name="points">Measurements; any order; non-positive batch sizes are ignored.</param>
    public ServiceTimeProfile(IEnumerable<BatchServiceTime> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        _points = points.Where(p => p.BatchSize > 0).OrderBy(p => p.BatchSize).ToImmutableArray();
    }

    /// <summary>A profile without measurements.</summary>
    public static ServiceTimeProfile Empty { get; } = new([]);

    /// <summary>Whether anything was measured.</summary>
    public bool IsEmpty => _points.IsEmpty;

    /// <summary>The measurements, by increasing batch size.</summary>
    public ImmutableArray<BatchServiceTime> Points => _points;

    /// <summary>Service time of a batch of <paramref name="batchSize"/> at <paramref name="percentile"/> (in (0, 1)); null when nothing was measured.</summary>
    public TimeSpan? Estimate(int batchSize, double percentile)
    {
        if (_points.IsEmpty)
        {
            return null;
        }

        batchSize = Math.Max(1, batchSize);
        foreach (var point in _points)
        {
            if (point.BatchSize >= batchSize)
            {
                return AtPercentile(point, percentile);
            }
        }

        var largest = _points[^1];
        return AtPercentile(largest, percentile) * ((double)batchSize / largest.BatchSize);
    }

    private static TimeSpan AtPercentile(BatchServiceTime point, double percentile)
    {
        if (percentile <= 0.5)
        {
            return point.P50;
        }

        if (percentile >= 0.99)
        {
            return point.P99;
        }

        var fraction = (percentile - 0.5) / 0.49;
        return point.P50 + ((point.P99 - point.P50) * fraction);
    }
}

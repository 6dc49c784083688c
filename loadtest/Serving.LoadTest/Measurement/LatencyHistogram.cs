using System.Numerics;

namespace Serving.LoadTest.Measurement;

/// <summary>
/// Latency histogram with log-linear buckets over microseconds: exact below 128 µs, then 64
/// linear sub-buckets per power of two, so any percentile is within 1/128 (0.8%) of a recorded
/// value's true magnitude, from 1 µs to days, in a few KiB. Not thread-safe: one writer.
/// </summary>
/// <remarks>
/// Value v &gt;= 128 has exponent e = floor(log2 v) &gt;= 7 and mantissa m = v &gt;&gt; (e - 6) in [64, 128);
/// its bucket holds [m, m + 1) &lt;&lt; (e - 6), a width of at most 1/64 of its lower bound, and the
/// bucket's midpoint is reported. The same idea as HdrHistogram's, written for our needs.
/// </remarks>
internal sealed class LatencyHistogram
{
    private const int LinearLimit = 128;
    private const int SubBuckets = 64;
    private long[] _counts = new long[LinearLimit + SubBuckets * 8];

    public long Count { get; private set; }

    public long MinMicros { get; private set; } = long.MaxValue;

    public long MaxMicros { get; private set; }

    private double _sumMicros;

    public double MeanMicros => Count == 0 ? 0 : _sumMicros / Count;

    public void Record(TimeSpan latency) => RecordMicros((long)Math.Round(Math.Max(0, latency.TotalMicroseconds)));

    public void RecordMicros(long micros)
    {
        micros = Math.Max(0, micros);
        var index = IndexOf(micros);
        if (index >= _counts.Length)
        {
            Array.Resize(ref _counts, index + SubBuckets);
        }

        _counts[index]++;
        Count++;
        _sumMicros += micros;
        MinMicros = Math.Min(MinMicros, micros);
        MaxMicros = Math.Max(MaxMicros, micros);
    }

    public void Add(LatencyHistogram other)
    {
        if (other._counts.Length > _counts.Length)
        {
            Array.Resize(ref _counts, other._counts.Length);
        }

        for (var i = 0; i < other._counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
        _sumMicros += other._sumMicros;
        MinMicros = Math.Min(MinMicros, other.MinMicros);
        MaxMicros = Math.Max(MaxMicros, other.MaxMicros);
    }

    /// <summary>The value at quantile <paramref name="q"/> in [0, 1] (nearest rank), microseconds; 0 when empty.</summary>
    public double QuantileMicros(double q)
    {
        if (Count == 0)
        {
            return 0;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(Math.Clamp(q, 0, 1) * Count));
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                var (lower, width) = BucketOf(i);
                // The midpoint, kept inside what was actually recorded.
                return Math.Clamp(lower + (width - 1) / 2.0, MinMicros, MaxMicros);
            }
        }

        return MaxMicros;
    }

    public double QuantileMillis(double q) => QuantileMicros(q) / 1000.0;

    internal static int IndexOf(long micros)
    {
        if (micros < LinearLimit)
        {
            return (int)micros;
        }

        var exponent = 63 - BitOperations.LeadingZeroCount((ulong)micros);
        var mantissa = (int)(micros >> (exponent - 6));
        return LinearLimit + (exponent - 7) * SubBuckets + (mantissa - SubBuckets);
    }

    internal static (long Lower, long Width) BucketOf(int index)
    {
        if (index < LinearLimit)
        {
            return (index, 1);
        }

        var exponent = (index - LinearLimit) / SubBuckets + 7;
        var mantissa = (index - LinearLimit) % SubBuckets + SubBuckets;
        var shift = exponent - 6;
        return ((long)mantissa << shift, 1L << shift);
    }
}

using System.Buffers;

namespace Serving.Telemetry.Internal;

/// <summary>
/// Histogram&lt;T&gt; as a Prometheus histogram: cumulative <c>_bucket{le}</c> lines ending in
/// <c>+Inf</c>, then <c>_sum</c> and <c>_count</c>.
/// </summary>
/// <remarks>
/// Each series counts into its own non-cumulative bucket array with interlocked increments; the
/// scrape reads each bucket once and accumulates, and <c>_count</c> is that accumulated total, so
/// <c>+Inf</c> always equals <c>_count</c> even while recordings race the scrape.
/// </remarks>
internal sealed class HistogramFamily : MetricFamily<HistogramFamily.HistogramSeries>
{
    private readonly double[] _bounds;
    private readonly byte[] _header;
    private readonly byte[] _bucketName;
    private readonly byte[] _sumName;
    private readonly byte[] _countName;

    /// <summary><c>0.005"} </c> per bound and <c>+Inf"} </c> last: the tail of every bucket line's label block.</summary>
    private readonly byte[][] _leTails;

    public HistogramFamily(string instrumentName, string help, IReadOnlyList<double> bounds)
        : base(instrumentName, InstrumentKind.Histogram)
    {
        _bounds = [.. bounds];
        _header = Header(instrumentName, help, "histogram");
        _bucketName = PrometheusText.Utf8(instrumentName + "_bucket");
        _sumName = PrometheusText.Utf8(instrumentName + "_sum");
        _countName = PrometheusText.Utf8(instrumentName + "_count");
        _leTails = new byte[_bounds.Length + 1][];
        for (var i = 0; i < _bounds.Length; i++)
        {
            _leTails[i] = PrometheusText.Utf8(PrometheusText.FormatDouble(_bounds[i]) + "\"} ");
        }

        _leTails[^1] = "+Inf\"} "u8.ToArray();
    }

    public override void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags) => Record((double)value, tags);

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        // A NaN would poison _sum forever and fits no bucket.
        if (!double.IsNaN(value))
        {
            GetSeries(tags).Record(value, _bounds);
        }
    }

    public override void Write(IBufferWriter<byte> output, long generation)
    {
        var series = Ordered;
        if (series.Length == 0)
        {
            return;
        }

        PrometheusText.Write(output, _header);
        foreach (var s in series)
        {
            var cumulative = 0L;
            for (var i = 0; i < _leTails.Length; i++)
            {
                cumulative += s.BucketCount(i);
                PrometheusText.Write(output, _bucketName);
                PrometheusText.Write(output, s.LePrefix);
                PrometheusText.Write(output, _leTails[i]);
                PrometheusText.Write(output, cumulative);
                PrometheusText.Write(output, "\n"u8);
            }

            PrometheusText.WriteSample(output, _sumName, default, s.Labels, s.Sum);
            PrometheusText.WriteSample(output, _countName, default, s.Labels, cumulative);
        }
    }

    protected override HistogramSeries CreateSeries(TagSetKey key) => new(key, _bounds.Length + 1);

    internal sealed class HistogramSeries : Series
    {
        private readonly long[] _buckets;
        private double _sum;

        public HistogramSeries(TagSetKey key, int buckets)
            : base(key)
        {
            _buckets = new long[buckets];
            LePrefix = PrometheusText.Utf8(key.LabelText.Length == 0 ? "{le=\"" : "{" + key.LabelText + ",le=\"");
        }

        /// <summary><c>{a="x",le="</c>: the series' labels with the bucket label opened.</summary>
        public byte[] LePrefix { get; }

        public double Sum => Volatile.Read(ref _sum);

        public long BucketCount(int index) => Interlocked.Read(ref _buckets[index]);

        public void Record(double value, double[] bounds)
        {
            // le is inclusive: an exact hit belongs to that bound's bucket; otherwise the first larger
            // bound, or +Inf (index bounds.Length) past the last.
            var index = Array.BinarySearch(bounds, value);
            if (index < 0)
            {
                index = ~index;
            }

            Interlocked.Increment(ref _buckets[index]);
            DoubleCell.Add(ref _sum, value);
        }
    }
}

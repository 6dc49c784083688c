using System.Buffers;

namespace Serving.Telemetry.Internal;

/// <summary>
/// Counter and UpDownCounter: every measurement is added. A monotonic counter is exposed as a
/// Prometheus <c>counter</c> whose name ends in <c>_total</c>; an up-down counter as a <c>gauge</c>.
/// </summary>
internal sealed class SumFamily : MetricFamily<SumFamily.SumSeries>
{
    private readonly byte[] _name;
    private readonly byte[] _header;

    public SumFamily(string instrumentName, InstrumentKind kind, string help)
        : base(instrumentName, kind)
    {
        var monotonic = kind == InstrumentKind.Counter;
        var exposed = monotonic ? CounterName(instrumentName) : instrumentName;
        _name = PrometheusText.Utf8(exposed);
        _header = Header(exposed, help, monotonic ? "counter" : "gauge");
    }

    /// <summary>Prometheus counters end in <c>_total</c>; the suffix is added when the instrument lacks it.</summary>
    public static string CounterName(string instrumentName) =>
        instrumentName.EndsWith("_total", StringComparison.Ordinal) ? instrumentName : instrumentName + "_total";

    public override void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags) => GetSeries(tags).Add(value);

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) => GetSeries(tags).Add(value);

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
            s.Write(output, _name);
        }
    }

    protected override SumSeries CreateSeries(TagSetKey key) => new(key);

    /// <summary>
    /// Integral measurements add into a <see langword="long"/> (exact, one interlocked add);
    /// floating ones into a <see langword="double"/> updated by compare-and-swap.
    /// </summary>
    internal sealed class SumSeries(TagSetKey key) : Series(key)
    {
        private long _integral;
        private double _floating;

        public void Add(long value) => Interlocked.Add(ref _integral, value);

        public void Add(double value) => DoubleCell.Add(ref _floating, value);

        public void Write(IBufferWriter<byte> output, byte[] name)
        {
            var integral = Interlocked.Read(ref _integral);
            var floating = Volatile.Read(ref _floating);
            if (floating == 0)
            {
                PrometheusText.WriteSample(output, name, default, Labels, integral);
            }
            else
            {
                PrometheusText.WriteSample(output, name, default, Labels, integral + floating);
            }
        }
    }
}

using System.Buffers;

namespace Serving.Telemetry.Internal;

/// <summary>
/// Instruments whose measurement is the current value rather than an increment: the synchronous
/// <c>Gauge&lt;T&gt;</c> and the three observable instruments (an observable counter reports its
/// running total).
/// </summary>
/// <remarks>
/// Observable series are shown only if their callback reported them in the latest collection: when
/// a model is unloaded its <c>serving_pending_requests{model}</c> disappears instead of freezing at
/// its last value. The collector bumps the generation before each collection (under its scrape
/// lock), and observable callbacks only run inside that collection.
/// </remarks>
internal sealed class LastValueFamily : MetricFamily<LastValueFamily.ValueSeries>
{
    private readonly byte[] _name;
    private readonly byte[] _header;
    private readonly ScrapeGeneration _generation;
    private readonly bool _observable;

    public LastValueFamily(string instrumentName, InstrumentKind kind, string help, ScrapeGeneration generation)
        : base(instrumentName, kind)
    {
        var counter = kind == InstrumentKind.ObservableCounter;
        var exposed = counter ? SumFamily.CounterName(instrumentName) : instrumentName;
        _name = PrometheusText.Utf8(exposed);
        _header = Header(exposed, help, counter ? "counter" : "gauge");
        _generation = generation;
        _observable = kind != InstrumentKind.Gauge;
    }

    public override void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags) => Record((double)value, tags);

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        GetSeries(tags).Set(value, _generation.Current);

    public override void Write(IBufferWriter<byte> output, long generation)
    {
        var headerWritten = false;
        foreach (var s in Ordered)
        {
            if (_observable && s.Generation != generation)
            {
                continue;
            }

            if (!headerWritten)
            {
                PrometheusText.Write(output, _header);
                headerWritten = true;
            }

            PrometheusText.WriteSample(output, _name, default, s.Labels, s.Value);
        }
    }

    protected override ValueSeries CreateSeries(TagSetKey key) => new(key);

    /// <summary>The last value written wins; the generation says which collection reported it.</summary>
    internal sealed class ValueSeries(TagSetKey key) : Series(key)
    {
        private double _value;
        private long _generation = -1;

        public double Value => Volatile.Read(ref _value);

        public long Generation => Volatile.Read(ref _generation);

        public void Set(double value, long generation)
        {
            Volatile.Write(ref _value, value);
            Volatile.Write(ref _generation, generation);
        }
    }
}

using System.Buffers;
using System.Collections.Concurrent;

namespace Serving.Telemetry.Internal;

/// <summary>
/// Everything exposed under one metric name: the HELP/TYPE header and its series.
/// </summary>
/// <remarks>
/// Measurements arrive from many threads; the family is handed to the <c>MeterListener</c> as the
/// instrument's state, so the hot path goes straight here with no name lookup.
/// </remarks>
internal abstract class MetricFamily(string instrumentName, InstrumentKind kind)
{
    /// <summary>The sanitised instrument name, which is how instruments and declarations find the family.</summary>
    public string InstrumentName { get; } = instrumentName;

    public InstrumentKind Kind { get; } = kind;

    public abstract void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

    public abstract void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

    /// <summary>Makes the series exist at its zero value, so a rate over it is 0 rather than absent.</summary>
    public abstract void Declare(ReadOnlySpan<KeyValuePair<string, object?>> tags);

    /// <summary>Writes the header and every visible series. Caller holds the collector's scrape lock.</summary>
    public abstract void Write(IBufferWriter<byte> output, long generation);

    /// <summary><c># HELP</c> and <c># TYPE</c> lines for <paramref name="exposedName"/>.</summary>
    protected static byte[] Header(string exposedName, string help, string type) =>
        PrometheusText.Utf8($"# HELP {exposedName} {PrometheusText.EscapeHelp(help)}\n# TYPE {exposedName} {type}\n");
}

/// <summary>The series store shared by every family kind.</summary>
/// <remarks>
/// Reads (every measurement) are lock-free: a <see cref="ConcurrentDictionary{TKey,TValue}"/> probed
/// with the tag span. Adding a series (the first time a label set is seen) takes <c>_gate</c> and
/// republishes <c>_ordered</c>, an immutable array sorted by label text, which the scrape iterates
/// without locking or sorting.
/// </remarks>
internal abstract class MetricFamily<TSeries> : MetricFamily
    where TSeries : Series
{
    private readonly ConcurrentDictionary<TagSetKey, TSeries> _series = new(TagSetComparer.Instance);
    private readonly ConcurrentDictionary<TagSetKey, TSeries>.AlternateLookup<ReadOnlySpan<KeyValuePair<string, object?>>> _lookup;
    private readonly Lock _gate = new();
    private TSeries[] _ordered = [];

    protected MetricFamily(string instrumentName, InstrumentKind kind)
        : base(instrumentName, kind)
    {
        _lookup = _series.GetAlternateLookup<ReadOnlySpan<KeyValuePair<string, object?>>>();
    }

    /// <summary>The series in label order; a snapshot that later additions do not change.</summary>
    protected TSeries[] Ordered => Volatile.Read(ref _ordered);

    protected abstract TSeries CreateSeries(TagSetKey key);

    public override void Declare(ReadOnlySpan<KeyValuePair<string, object?>> tags) => GetSeries(tags);

    protected TSeries GetSeries(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        return _lookup.TryGetValue(tags, out var series) ? series : AddSeries(TagSetKey.Create(tags));
    }

    private TSeries AddSeries(TagSetKey key)
    {
        lock (_gate)
        {
            if (_series.TryGetValue(key, out var existing))
            {
                return existing;
            }

            var series = CreateSeries(key);
            var ordered = new TSeries[_ordered.Length + 1];
            var at = 0;
            while (at < _ordered.Length && string.CompareOrdinal(_ordered[at].Key.LabelText, key.LabelText) <= 0)
            {
                at++;
            }

            Array.Copy(_ordered, ordered, at);
            ordered[at] = series;
            Array.Copy(_ordered, at, ordered, at + 1, _ordered.Length - at);

            // Publish to the scrape's array before the dictionary: a recorder that finds the series
            // must never write into one the scrape cannot see.
            Volatile.Write(ref _ordered, ordered);
            _series[key] = series;
            return series;
        }
    }
}

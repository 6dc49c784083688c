using System.Buffers;
using System.Diagnostics.Metrics;
using Serving.Telemetry.Internal;

namespace Serving.Telemetry;

/// <summary>
/// Aggregates the process's <c>Serving*</c> meters and writes them in the Prometheus text format
/// 0.0.4. One per process (a DI singleton via <c>AddServingTelemetry</c>).
/// </summary>
/// <remarks>
/// A <see cref="MeterListener"/> subscribes to every instrument of a meter whose name starts with
/// <see cref="ServingTelemetryOptions.MeterPrefix"/>, and aggregates per instrument name and tag
/// set. Recording takes no lock once a label set has been seen. Instruments with the same
/// (sanitised) name and kind, e.g. from two meters in a standalone process, add into one metric;
/// a later instrument whose kind conflicts with an existing name is not collected, since one name
/// cannot be two Prometheus types. Measurements made before the collector exists are not seen:
/// create it (resolve it) at start-up.
/// </remarks>
public sealed class PrometheusCollector : IDisposable
{
    private readonly ServingTelemetryOptions _options;
    private readonly MeterListener _listener;
    private readonly ScrapeGeneration _generation = new();

    // _gate guards _families, _declared and the republishing of _ordered; it is taken when an
    // instrument is published or a label set is declared, never on the recording path.
    private readonly Lock _gate = new();
    private readonly Dictionary<string, MetricFamily> _families = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<KeyValuePair<string, object?>[]>> _declared = new(StringComparer.Ordinal);
    private MetricFamily[] _ordered = [];

    // Serialises collections: observable callbacks must see one generation at a time.
    private readonly Lock _scrapeGate = new();

    /// <summary>Starts listening; instruments that already exist are picked up at once.</summary>
    /// <exception cref="ArgumentException">The options are invalid (every problem is listed).</exception>
    public PrometheusCollector(ServingTelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid telemetry options: " + string.Join(" ", errors), nameof(options));
        }

        _options = options;
        _listener = new MeterListener { InstrumentPublished = OnInstrumentPublished };
        _listener.SetMeasurementEventCallback<long>(static (_, m, tags, state) => ((MetricFamily)state!).Record(m, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, m, tags, state) => ((MetricFamily)state!).Record(m, tags));
        _listener.SetMeasurementEventCallback<short>(static (_, m, tags, state) => ((MetricFamily)state!).Record(m, tags));
        _listener.SetMeasurementEventCallback<byte>(static (_, m, tags, state) => ((MetricFamily)state!).Record(m, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, m, tags, state) => ((MetricFamily)state!).Record(m, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, m, tags, state) => ((MetricFamily)state!).Record(m, tags));
        _listener.SetMeasurementEventCallback<decimal>(static (_, m, tags, state) => ((MetricFamily)state!).Record((double)m, tags));
        _listener.Start();
    }

    /// <summary>
    /// Makes the series of <paramref name="instrumentName"/> with these tags appear at zero before
    /// anything is recorded, so dashboards and alerts see every label value (e.g. every rejection
    /// reason of <c>serving_rejected_requests_total{model,reason}</c>) from the first scrape.
    /// </summary>
    /// <param name="instrumentName">The instrument's name as created (dots allowed); may be declared before the instrument exists.</param>
    /// <param name="tags">The complete label set of the series.</param>
    /// <remarks>
    /// Declared series of observable instruments still show only when their callback reports them.
    /// </remarks>
    public void Declare(string instrumentName, params ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        ArgumentNullException.ThrowIfNull(instrumentName);
        var name = PrometheusText.SanitizeMetricName(instrumentName);
        lock (_gate)
        {
            if (_families.TryGetValue(name, out var family))
            {
                family.Declare(tags);
                return;
            }

            if (!_declared.TryGetValue(name, out var pending))
            {
                _declared[name] = pending = [];
            }

            pending.Add(tags.ToArray());
        }
    }

    /// <summary>
    /// Runs the observable instruments' callbacks and writes every metric, in name order, as
    /// Prometheus text into <paramref name="output"/> (e.g. a response's <c>BodyWriter</c>).
    /// </summary>
    /// <remarks>Concurrent calls are serialised. An observable callback's exception propagates.</remarks>
    public void Collect(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        lock (_scrapeGate)
        {
            var generation = _generation.Advance();
            _listener.RecordObservableInstruments();
            foreach (var family in Volatile.Read(ref _ordered))
            {
                family.Write(output, generation);
            }
        }
    }

    /// <summary>Stops listening; what was collected stays readable.</summary>
    public void Dispose() => _listener.Dispose();

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (!instrument.Meter.Name.StartsWith(_options.MeterPrefix, StringComparison.Ordinal)
            || FamilyFactory.KindOf(instrument) is not { } kind)
        {
            return;
        }

        var name = PrometheusText.SanitizeMetricName(instrument.Name);
        MetricFamily family;
        lock (_gate)
        {
            if (_families.TryGetValue(name, out var existing))
            {
                if (existing.Kind != kind)
                {
                    return;
                }

                family = existing;
            }
            else
            {
                family = FamilyFactory.Create(instrument, name, kind, _options, _generation);
                if (_declared.Remove(name, out var pending))
                {
                    foreach (var tags in pending)
                    {
                        family.Declare(tags);
                    }
                }

                _families.Add(name, family);
                var ordered = _families.Values.ToArray();
                Array.Sort(ordered, static (a, b) => string.CompareOrdinal(a.InstrumentName, b.InstrumentName));
                Volatile.Write(ref _ordered, ordered);
            }
        }

        // The family travels as the instrument's state, so each measurement reaches it directly.
        listener.EnableMeasurementEvents(instrument, family);
    }
}

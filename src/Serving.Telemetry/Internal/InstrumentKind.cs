namespace Serving.Telemetry.Internal;

/// <summary>
/// The instrument shapes the collector aggregates; two instruments share a metric family only when
/// their name and kind agree.
/// </summary>
internal enum InstrumentKind
{
    Counter,
    UpDownCounter,
    Gauge,
    Histogram,
    ObservableCounter,
    ObservableUpDownCounter,
    ObservableGauge,
}

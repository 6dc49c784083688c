using System.Diagnostics.Metrics;

namespace Serving.Telemetry.Internal;

/// <summary>Turns a published instrument into the metric family that aggregates it.</summary>
internal static class FamilyFactory
{
    /// <summary>The kind of <paramref name="instrument"/>, or null for an instrument type this exposition does not know.</summary>
    public static InstrumentKind? KindOf(Instrument instrument)
    {
        var definition = instrument.GetType().IsGenericType ? instrument.GetType().GetGenericTypeDefinition() : null;
        return definition switch
        {
            _ when definition == typeof(Counter<>) => InstrumentKind.Counter,
            _ when definition == typeof(UpDownCounter<>) => InstrumentKind.UpDownCounter,
            _ when definition == typeof(Gauge<>) => InstrumentKind.Gauge,
            _ when definition == typeof(Histogram<>) => InstrumentKind.Histogram,
            _ when definition == typeof(ObservableCounter<>) => InstrumentKind.ObservableCounter,
            _ when definition == typeof(ObservableUpDownCounter<>) => InstrumentKind.ObservableUpDownCounter,
            _ when definition == typeof(ObservableGauge<>) => InstrumentKind.ObservableGauge,
            _ => null,
        };
    }

    public static MetricFamily Create(
        Instrument instrument, string name, InstrumentKind kind, ServingTelemetryOptions options, ScrapeGeneration generation)
    {
        var help = HelpOf(instrument);
        return kind switch
        {
            InstrumentKind.Counter or InstrumentKind.UpDownCounter => new SumFamily(name, kind, help),
            InstrumentKind.Histogram => new HistogramFamily(name, help, BucketsOf(instrument, options)),
            _ => new LastValueFamily(name, kind, help, generation),
        };
    }

    /// <summary>
    /// The description; promtool flags a metric without HELP, so an undescribed instrument gets its
    /// meter, name and unit instead.
    /// </summary>
    private static string HelpOf(Instrument instrument)
    {
        if (!string.IsNullOrWhiteSpace(instrument.Description))
        {
            return instrument.Description;
        }

        var unit = string.IsNullOrEmpty(instrument.Unit) ? string.Empty : $" ({instrument.Unit})";
        return $"{instrument.Meter.Name} {instrument.Name}{unit}";
    }

    /// <summary>Configured buckets for the instrument's name, else its own advice, else the defaults.</summary>
    private static IReadOnlyList<double> BucketsOf(Instrument instrument, ServingTelemetryOptions options)
    {
        if (options.HistogramBuckets.TryGetValue(instrument.Name, out var configured))
        {
            return configured;
        }

        var advised = instrument switch
        {
            Histogram<double> h => h.Advice?.HistogramBucketBoundaries?.ToArray(),
            Histogram<float> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            _ => null,
        };
        return advised is { Length: > 0 } && IsStrictlyIncreasing(advised) ? advised : options.DefaultHistogramBuckets;
    }

    private static bool IsStrictlyIncreasing(double[] bounds)
    {
        for (var i = 0; i < bounds.Length; i++)
        {
            if (!double.IsFinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1]))
            {
                return false;
            }
        }

        return true;
    }
}

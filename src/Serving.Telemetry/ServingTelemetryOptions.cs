using System.Net;

namespace Serving.Telemetry;

/// <summary>
/// What the Prometheus collector listens to and how it shapes histograms, and where the optional
/// metrics-only listener binds.
/// </summary>
/// <remarks>
/// One options class for the whole feature because the worker and the router configure it from the
/// same two command-line flags (the meter prefix is fixed, <c>--metrics-port</c> varies).
/// </remarks>
public sealed class ServingTelemetryOptions
{
    /// <summary>
    /// Buckets (upper bounds in seconds) for 100 µs .. 60 s: fine-grained below 10 ms where batched
    /// inference lives, coarse above 1 s where only timeouts and cold starts land.
    /// </summary>
    public static IReadOnlyList<double> DefaultDurationBuckets { get; } =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    /// <summary>
    /// Meters whose name starts with this prefix (ordinal) are collected; others in the process
    /// (ASP.NET Core's, the runtime's) are left alone so the exposition stays ours.
    /// </summary>
    public string MeterPrefix { get; set; } = "Serving";

    /// <summary>Buckets for histograms that have no entry in <see cref="HistogramBuckets"/> and no advice.</summary>
    public IReadOnlyList<double> DefaultHistogramBuckets { get; set; } = DefaultDurationBuckets;

    /// <summary>
    /// Buckets per instrument name (as the instrument was created, e.g. <c>serving_batch_size</c>),
    /// for histograms that are not durations. Takes precedence over the instrument's own advice.
    /// </summary>
    public IDictionary<string, IReadOnlyList<double>> HistogramBuckets { get; } =
        new Dictionary<string, IReadOnlyList<double>>(StringComparer.Ordinal);

    /// <summary>
    /// Port of a separate HTTP/1.1 listener that serves only <c>/metrics</c> (the worker's and the
    /// router's <c>--metrics-port</c>); null runs none. 0 binds a free port.
    /// </summary>
    public int? MetricsPort { get; set; }

    /// <summary>Address the metrics listener binds; every interface by default so a cluster scraper reaches it.</summary>
    public IPAddress MetricsAddress { get; set; } = IPAddress.Any;

    /// <summary>Every problem with these options, empty when they are usable.</summary>
    internal List<string> Validate()
    {
        var errors = new List<string>();
        if (MeterPrefix is null)
        {
            errors.Add("MeterPrefix must not be null.");
        }

        CheckBuckets("DefaultHistogramBuckets", DefaultHistogramBuckets, errors);
        foreach (var (name, buckets) in HistogramBuckets)
        {
            CheckBuckets($"HistogramBuckets[{name}]", buckets, errors);
        }

        if (MetricsPort is < 0 or > 65535)
        {
            errors.Add($"MetricsPort {MetricsPort} is outside 0..65535.");
        }

        return errors;
    }

    private static void CheckBuckets(string what, IReadOnlyList<double>? buckets, List<string> errors)
    {
        if (buckets is null || buckets.Count == 0)
        {
            errors.Add($"{what} must have at least one bound.");
            return;
        }

        for (var i = 0; i < buckets.Count; i++)
        {
            if (!double.IsFinite(buckets[i]))
            {
                errors.Add($"{what} bound {buckets[i]} is not finite (+Inf is always added).");
            }
            else if (i > 0 && buckets[i] <= buckets[i - 1])
            {
                errors.Add($"{what} bounds must increase strictly: {buckets[i]} follows {buckets[i - 1]}.");
            }
        }
    }
}

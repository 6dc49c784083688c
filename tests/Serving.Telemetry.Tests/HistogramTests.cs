using System.Diagnostics.Metrics;
using System.Globalization;

namespace Serving.Telemetry.Tests;

public sealed class HistogramTests
{
    [Fact]
    public void Collect_Histogram_BucketsCumulativeInfEqualsCountAndSum()
    {
        using var scope = new MeterScope();
        var duration = scope.Meter.CreateHistogram<double>("serving_request_duration_seconds", unit: "s", description: "End-to-end request latency.");
        var tag = new KeyValuePair<string, object?>("model", "resnet");
        foreach (var seconds in new[] { 0.00005, 0.0001, 0.003, 0.003, 0.2, 75.0 })
        {
            duration.Record(seconds, tag);
        }

        var text = scope.Scrape();
        var buckets = MeterScope.Samples(text, "serving_request_duration_seconds_bucket");

        Assert.Contains("# TYPE serving_request_duration_seconds histogram\n", text);
        Assert.Equal(ServingTelemetryOptions.DefaultDurationBuckets.Count + 1, buckets.Length);
        Assert.Equal("serving_request_duration_seconds_bucket{model=\"resnet\",le=\"0.0001\"} 2", buckets[0]); // le is inclusive
        Assert.Equal("serving_request_duration_seconds_bucket{model=\"resnet\",le=\"0.0025\"} 2", buckets[4]);
        Assert.Equal("serving_request_duration_seconds_bucket{model=\"resnet\",le=\"0.005\"} 4", buckets[5]);
        Assert.Equal("serving_request_duration_seconds_bucket{model=\"resnet\",le=\"0.25\"} 5", buckets[10]);
        Assert.Equal("serving_request_duration_seconds_bucket{model=\"resnet\",le=\"60\"} 5", buckets[^2]);
        Assert.Equal("serving_request_duration_seconds_bucket{model=\"resnet\",le=\"+Inf\"} 6", buckets[^1]);
        var counts = buckets.Select(l => long.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(counts.Order(), counts);
        Assert.Equal(["serving_request_duration_seconds_count{model=\"resnet\"} 6"], MeterScope.Samples(text, "serving_request_duration_seconds_count"));
        var sum = MeterScope.Samples(text, "serving_request_duration_seconds_sum").Single();
        Assert.Equal(75.20615, double.Parse(sum[(sum.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture), 9);
    }

    [Fact]
    public void Collect_HistogramWithoutTags_LeIsTheOnlyLabel()
    {
        using var scope = new MeterScope();
        scope.Meter.CreateHistogram<double>("serving_compute_seconds").Record(0.5);

        var text = scope.Scrape();

        Assert.Contains("serving_compute_seconds_bucket{le=\"0.5\"} 1\n", text);
        Assert.Contains("serving_compute_seconds_sum 0.5\n", text);
        Assert.Contains("serving_compute_seconds_count 1\n", text);
    }

    [Fact]
    public void Collect_ConfiguredBuckets_UsedForThatInstrumentOnly()
    {
        using var scope = new MeterScope(o => o.HistogramBuckets["serving_batch_size"] = [1, 2, 4, 8, 16, 32, 64, 128]);
        scope.Meter.CreateHistogram<int>("serving_batch_size").Record(3, new KeyValuePair<string, object?>("model", "m"));
        scope.Meter.CreateHistogram<double>("serving_queue_duration_seconds").Record(0.001);

        var text = scope.Scrape();

        Assert.Equal(
            ["1", "2", "4", "8", "16", "32", "64", "128", "+Inf"],
            MeterScope.Samples(text, "serving_batch_size_bucket").Select(Le));
        Assert.Contains("serving_batch_size_bucket{model=\"m\",le=\"4\"} 1\n", text);
        Assert.Equal(ServingTelemetryOptions.DefaultDurationBuckets.Count + 1, MeterScope.Samples(text, "serving_queue_duration_seconds_bucket").Length);
    }

    [Fact]
    public void Collect_InstrumentAdvice_UsedWhenNotConfigured()
    {
        using var scope = new MeterScope();
        var advice = new InstrumentAdvice<long> { HistogramBucketBoundaries = [10, 100, 1000] };
        scope.Meter.CreateHistogram("serving_request_bytes", unit: "By", description: "Request payload size.", tags: null, advice: advice).Record(50);

        Assert.Equal(["10", "100", "1000", "+Inf"], MeterScope.Samples(scope.Scrape(), "serving_request_bytes_bucket").Select(Le));
    }

    [Fact]
    public void Collect_NaNMeasurement_IsIgnored()
    {
        using var scope = new MeterScope();
        var histogram = scope.Meter.CreateHistogram<double>("serving_compute_seconds");
        histogram.Record(double.NaN);
        histogram.Record(1);

        var text = scope.Scrape();

        Assert.Contains("serving_compute_seconds_sum 1\n", text);
        Assert.Contains("serving_compute_seconds_count 1\n", text);
    }

    private static string Le(string line)
    {
        var start = line.IndexOf("le=\"", StringComparison.Ordinal) + 4;
        return line[start..line.IndexOf('"', start)];
    }
}

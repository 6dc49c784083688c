namespace Serving.Telemetry.Tests;

public sealed class DeclareTests
{
    private static readonly string[] Reasons = ["queue_full", "deadline", "no_variant"];

    [Fact]
    public void Declare_BeforeInstrumentExists_EveryReasonShowsAtZero()
    {
        using var scope = new MeterScope();
        foreach (var reason in Reasons)
        {
            scope.Collector.Declare("serving_rejected_requests_total", new("model", "resnet"), new("reason", reason));
        }

        var rejected = scope.Meter.CreateCounter<long>("serving_rejected_requests_total");
        rejected.Add(2, new("reason", "deadline"), new("model", "resnet"));

        Assert.Equal(
            [
                "serving_rejected_requests_total{model=\"resnet\",reason=\"deadline\"} 2",
                "serving_rejected_requests_total{model=\"resnet\",reason=\"no_variant\"} 0",
                "serving_rejected_requests_total{model=\"resnet\",reason=\"queue_full\"} 0",
            ],
            MeterScope.Samples(scope.Scrape(), "serving_rejected_requests_total"));
    }

    [Fact]
    public void Declare_AfterInstrumentExists_SeriesShowsAtZero()
    {
        using var scope = new MeterScope();
        scope.Meter.CreateCounter<long>("serving.slo.missed");

        scope.Collector.Declare("serving.slo.missed", new KeyValuePair<string, object?>("slo", "p99"));

        Assert.Equal(["serving_slo_missed_total{slo=\"p99\"} 0"], MeterScope.Samples(scope.Scrape(), "serving_slo_missed_total"));
    }

    [Fact]
    public void Declare_Histogram_ZeroBucketsSumAndCount()
    {
        using var scope = new MeterScope(o => o.HistogramBuckets["serving_batch_size"] = [1, 8]);
        scope.Collector.Declare("serving_batch_size", new KeyValuePair<string, object?>("model", "m"));
        scope.Meter.CreateHistogram<int>("serving_batch_size");

        Assert.Equal(
            "# HELP serving_batch_size " + scope.Meter.Name + " serving_batch_size\n"
            + "# TYPE serving_batch_size histogram\n"
            + "serving_batch_size_bucket{model=\"m\",le=\"1\"} 0\n"
            + "serving_batch_size_bucket{model=\"m\",le=\"8\"} 0\n"
            + "serving_batch_size_bucket{model=\"m\",le=\"+Inf\"} 0\n"
            + "serving_batch_size_sum{model=\"m\"} 0\n"
            + "serving_batch_size_count{model=\"m\"} 0\n",
            scope.Scrape());
    }
}

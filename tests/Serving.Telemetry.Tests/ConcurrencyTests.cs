using System.Globalization;

namespace Serving.Telemetry.Tests;

public sealed class ConcurrencyTests
{
    private const int Threads = 8;
    private const int PerThread = 50_000;

    [Fact]
    public void Record_FromManyThreadsWhileScraping_TotalsAreExact()
    {
        using var scope = new MeterScope();
        var requests = scope.Meter.CreateCounter<long>("serving_requests_total");
        var busy = scope.Meter.CreateCounter<double>("serving_busy_seconds_total");
        var duration = scope.Meter.CreateHistogram<double>("serving_request_duration_seconds");
        string[] models = ["a", "b", "c", "d"];
        using var start = new Barrier(Threads + 1);

        var workers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < PerThread; i++)
            {
                // New label sets keep appearing while others are hot: both the lock-free and the
                // adding path race the scrapes below.
                var model = new KeyValuePair<string, object?>("model", models[(t + i) % models.Length]);
                var shard = new KeyValuePair<string, object?>("shard", (i % 64).ToString(CultureInfo.InvariantCulture));
                requests.Add(1, model, shard);
                busy.Add(0.5, model);
                duration.Record(0.001 * (i % 7), model);
            }
        })).ToArray();
        foreach (var worker in workers)
        {
            worker.Start();
        }

        start.SignalAndWait();
        while (workers.Any(w => w.IsAlive))
        {
            AssertHistogramsConsistent(scope.Scrape());
        }

        foreach (var worker in workers)
        {
            worker.Join();
        }

        var text = scope.Scrape();
        AssertHistogramsConsistent(text);
        Assert.Equal(Threads * PerThread, SumOf(text, "serving_requests_total"));
        Assert.Equal(models.Length * 64, MeterScope.Samples(text, "serving_requests_total").Length);
        Assert.Equal(Threads * PerThread * 0.5, SumOf(text, "serving_busy_seconds_total"));
        Assert.Equal(Threads * PerThread, SumOf(text, "serving_request_duration_seconds_count"));
    }

    /// <summary>Each series' +Inf bucket equals its _count, even in a scrape that raced recordings.</summary>
    private static void AssertHistogramsConsistent(string text)
    {
        var infinities = MeterScope.Samples(text, "serving_request_duration_seconds_bucket").Where(l => l.Contains("le=\"+Inf\"", StringComparison.Ordinal));
        var counts = MeterScope.Samples(text, "serving_request_duration_seconds_count");
        Assert.Equal(counts.Select(ValueOf), infinities.Select(ValueOf));
    }

    private static double SumOf(string text, string name) => MeterScope.Samples(text, name).Sum(ValueOf);

    private static double ValueOf(string line) => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
}

using System.Diagnostics.Metrics;

namespace Serving.Telemetry.Tests;

public sealed class PrometheusCollectorTests
{
    [Fact]
    public void Collect_Counter_WritesHelpTypeAndTotalPerLabelSet()
    {
        using var scope = new MeterScope();
        var requests = scope.Meter.CreateCounter<long>("serving_requests_total", description: "Requests answered, by task, variant and status code.");
        requests.Add(2, new("task", "embed"), new("code", "OK"));
        requests.Add(3, new("task", "embed"), new("code", "OK"));
        requests.Add(1, new("task", "embed"), new("code", "UNAVAILABLE"));

        var text = scope.Scrape();

        Assert.Equal(
            "# HELP serving_requests_total Requests answered, by task, variant and status code.\n"
            + "# TYPE serving_requests_total counter\n"
            + "serving_requests_total{code=\"OK\",task=\"embed\"} 5\n"
            + "serving_requests_total{code=\"UNAVAILABLE\",task=\"embed\"} 1\n",
            text);
    }

    [Fact]
    public void Collect_CounterNamedWithoutTotal_ExposesTotalSuffix()
    {
        using var scope = new MeterScope();
        scope.Meter.CreateCounter<int>("serving_slo_missed").Add(4);

        var text = scope.Scrape();

        Assert.Contains("# TYPE serving_slo_missed_total counter\n", text);
        Assert.Equal(["serving_slo_missed_total 4"], MeterScope.Samples(text, "serving_slo_missed_total"));
    }

    [Fact]
    public void Collect_DoubleCounter_WritesFractionalSum()
    {
        using var scope = new MeterScope();
        var busy = scope.Meter.CreateCounter<double>("serving_busy_seconds_total");
        busy.Add(0.25);
        busy.Add(0.5);

        Assert.Equal(["serving_busy_seconds_total 0.75"], MeterScope.Samples(scope.Scrape(), "serving_busy_seconds_total"));
    }

    [Fact]
    public void Collect_UpDownCounter_SumsBothDirectionsAsGauge()
    {
        using var scope = new MeterScope();
        var pending = scope.Meter.CreateUpDownCounter<int>("serving_pending_requests");
        pending.Add(5, new KeyValuePair<string, object?>("model", "resnet"));
        pending.Add(-2, new KeyValuePair<string, object?>("model", "resnet"));

        var text = scope.Scrape();

        Assert.Contains("# TYPE serving_pending_requests gauge\n", text);
        Assert.Equal(["serving_pending_requests{model=\"resnet\"} 3"], MeterScope.Samples(text, "serving_pending_requests"));
    }

    [Fact]
    public void Collect_Gauge_LastValueWins()
    {
        using var scope = new MeterScope();
        var gauge = scope.Meter.CreateGauge<double>("serving_gpu_utilization_ratio");
        gauge.Record(0.9);
        gauge.Record(0.4);

        var text = scope.Scrape();

        Assert.Contains("# TYPE serving_gpu_utilization_ratio gauge\n", text);
        Assert.Equal(["serving_gpu_utilization_ratio 0.4"], MeterScope.Samples(text, "serving_gpu_utilization_ratio"));
    }

    [Fact]
    public void Collect_ObservableInstruments_AreReadAtEachScrape()
    {
        using var scope = new MeterScope();
        var loaded = 2;
        var served = 10L;
        scope.Meter.CreateObservableGauge("serving_loaded_models", () => loaded);
        scope.Meter.CreateObservableCounter("serving_batches_total", () => served);
        scope.Meter.CreateObservableUpDownCounter("serving_inflight_batches", () => new Measurement<int>(1, new KeyValuePair<string, object?>("model", "m")));

        var first = scope.Scrape();
        loaded = 3;
        served = 17;
        var second = scope.Scrape();

        Assert.Equal(["serving_loaded_models 2"], MeterScope.Samples(first, "serving_loaded_models"));
        Assert.Equal(["serving_loaded_models 3"], MeterScope.Samples(second, "serving_loaded_models"));
        Assert.Contains("# TYPE serving_batches_total counter\n", second);
        Assert.Equal(["serving_batches_total 17"], MeterScope.Samples(second, "serving_batches_total"));
        Assert.Contains("# TYPE serving_inflight_batches gauge\n", second);
        Assert.Equal(["serving_inflight_batches{model=\"m\"} 1"], MeterScope.Samples(second, "serving_inflight_batches"));
    }

    [Fact]
    public void Collect_ObservableSeriesNoLongerReported_IsLeftOut()
    {
        using var scope = new MeterScope();
        string[] models = ["a", "b"];
        scope.Meter.CreateObservableGauge("serving_queue_length", () =>
            models.Select(m => new Measurement<long>(1, new KeyValuePair<string, object?>("model", m))));

        var before = scope.Scrape();
        models = ["b"];
        var after = scope.Scrape();

        Assert.Equal(2, MeterScope.Samples(before, "serving_queue_length").Length);
        Assert.Equal(["serving_queue_length{model=\"b\"} 1"], MeterScope.Samples(after, "serving_queue_length"));
    }

    [Fact]
    public void Collect_TagsInAnyOrder_OneSeriesWithLabelsSortedByName()
    {
        using var scope = new MeterScope();
        var counter = scope.Meter.CreateCounter<long>("serving_requests_total");
        counter.Add(1, new("variant", "v1"), new("task", "t"), new("code", "OK"));
        counter.Add(1, new("code", "OK"), new("variant", "v1"), new("task", "t"));
        counter.Add(1, new("task", "t"), new("code", "OK"), new("variant", "v1"));

        Assert.Equal(
            ["serving_requests_total{code=\"OK\",task=\"t\",variant=\"v1\"} 3"],
            MeterScope.Samples(scope.Scrape(), "serving_requests_total"));
    }

    [Fact]
    public void Collect_SeriesOrder_IsByLabelsAndStableAcrossScrapes()
    {
        using var scope = new MeterScope();
        var counter = scope.Meter.CreateCounter<long>("serving_requests_total");
        foreach (var model in new[] { "zeta", "alpha", "mu" })
        {
            counter.Add(1, new KeyValuePair<string, object?>("model", model));
        }

        var first = MeterScope.Samples(scope.Scrape(), "serving_requests_total");
        var second = MeterScope.Samples(scope.Scrape(), "serving_requests_total");

        Assert.Equal(
            ["serving_requests_total{model=\"alpha\"} 1", "serving_requests_total{model=\"mu\"} 1", "serving_requests_total{model=\"zeta\"} 1"],
            first);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Collect_LabelValuesAndHelp_AreEscaped()
    {
        using var scope = new MeterScope();
        var counter = scope.Meter.CreateCounter<long>("serving_errors_total", description: "Errors \"by\" path\\kind\nsecond line");
        counter.Add(1, new KeyValuePair<string, object?>("reason", "say \"no\"\\ then\nstop"));

        var text = scope.Scrape();

        Assert.Contains("# HELP serving_errors_total Errors \"by\" path\\\\kind\\nsecond line\n", text);
        Assert.Contains("serving_errors_total{reason=\"say \\\"no\\\"\\\\ then\\nstop\"} 1\n", text);
    }

    [Fact]
    public void Collect_NamesAndLabelNames_AreSanitised()
    {
        using var scope = new MeterScope();
        scope.Meter.CreateCounter<long>("serving.http-requests").Add(1, new KeyValuePair<string, object?>("http.route", "/v2"));
        scope.Meter.CreateGauge<long>("9lives").Record(9, new KeyValuePair<string, object?>("a:b", true));

        var text = scope.Scrape();

        Assert.Equal(["serving_http_requests_total{http_route=\"/v2\"} 1"], MeterScope.Samples(text, "serving_http_requests_total"));
        Assert.Equal(["_9lives{a_b=\"true\"} 9"], MeterScope.Samples(text, "_9lives"));
    }

    [Fact]
    public void Collect_NoDescription_HelpNamesMeterInstrumentAndUnit()
    {
        using var scope = new MeterScope();
        scope.Meter.CreateCounter<long>("serving_bytes_total", unit: "By").Add(1);

        Assert.Contains($"# HELP serving_bytes_total {scope.Meter.Name} serving_bytes_total (By)\n", scope.Scrape());
    }

    [Fact]
    public void Collect_MeterOutsidePrefix_IsNotExposed()
    {
        using var scope = new MeterScope();
        using var foreign = new Meter("Other." + Guid.NewGuid().ToString("N"));
        foreign.CreateCounter<long>("other_requests_total").Add(1);
        scope.Meter.CreateCounter<long>("serving_requests_total").Add(1);

        var text = scope.Scrape();

        Assert.DoesNotContain("other_requests_total", text);
        Assert.Contains("serving_requests_total 1\n", text);
    }

    [Fact]
    public void Collect_NothingRecorded_WritesNothingForTheInstrument()
    {
        using var scope = new MeterScope();
        scope.Meter.CreateCounter<long>("serving_requests_total");

        Assert.Equal(string.Empty, scope.Scrape());
    }

    [Fact]
    public void Collect_FamiliesInNameOrder()
    {
        using var scope = new MeterScope();
        scope.Meter.CreateCounter<long>("serving_z_total").Add(1);
        scope.Meter.CreateCounter<long>("serving_a_total").Add(1);

        var text = scope.Scrape();

        Assert.True(text.IndexOf("serving_a_total", StringComparison.Ordinal) < text.IndexOf("serving_z_total", StringComparison.Ordinal));
    }

    [Fact]
    public void Collect_TwoMetersSameCounterName_AddIntoOneMetric()
    {
        using var scope = new MeterScope();
        using var second = new Meter(scope.Meter.Name + ".Router");
        scope.Meter.CreateCounter<long>("serving_requests_total").Add(2);
        second.CreateCounter<long>("serving_requests_total").Add(3);

        var text = scope.Scrape();

        Assert.Equal(["serving_requests_total 5"], MeterScope.Samples(text, "serving_requests_total"));
        Assert.Single(text.Split('\n'), l => l == "# TYPE serving_requests_total counter");
    }

    [Fact]
    public void Constructor_InvalidBuckets_ListsEveryProblem()
    {
        var options = new ServingTelemetryOptions { DefaultHistogramBuckets = [1, 1] };
        options.HistogramBuckets["serving_batch_size"] = [4, 2, double.PositiveInfinity];

        var error = Assert.Throws<ArgumentException>(() => new PrometheusCollector(options));

        Assert.Contains("DefaultHistogramBuckets", error.Message);
        Assert.Contains("HistogramBuckets[serving_batch_size] bounds must increase strictly", error.Message);
        Assert.Contains("not finite", error.Message);
    }
}

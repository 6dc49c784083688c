namespace Serving.Telemetry.Tests;

public sealed class AllocationTests
{
    [Fact]
    public void Record_IntoExistingSeries_AllocatesNothing()
    {
        using var scope = new MeterScope();
        var requests = scope.Meter.CreateCounter<long>("serving_requests_total");
        var duration = scope.Meter.CreateHistogram<double>("serving_request_duration_seconds");
        var model = new KeyValuePair<string, object?>("model", "resnet50");
        var code = new KeyValuePair<string, object?>("code", "OK");
        requests.Add(1, model, code);
        duration.Record(0.01, model);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            requests.Add(1, code, model);
            duration.Record(0.01, model);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Contains("serving_requests_total{code=\"OK\",model=\"resnet50\"} 10001\n", scope.Scrape());
    }
}

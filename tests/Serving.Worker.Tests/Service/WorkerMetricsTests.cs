using Serving.Protocol;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Serving.Grpc;
using Serving.Worker.Reporting;
using Serving.Worker.Service;
using Serving.Worker.Tests.Infrastructure;

namespace Serving.Worker.Tests.Service;

/// <summary>The worker's instruments carry the STYLE.md names and labels.</summary>
public sealed class WorkerMetricsTests
{
    [Fact]
    public async Task ModelInfer_OkAndRejected_RecordRequestsByCodeAndEveryRejectionReasonAtZero()
    {
        var measurements = new ConcurrentBag<(string Instrument, double Value, Dictionary<string, string?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == WorkerMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
            measurements.Add((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value?.ToString())));
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<int>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.Start();

        using var repository = new TestRepository();
        repository.AddDoubler("metrics_doubler", config: TestRepository.DoublerConfig("metrics_doubler"));
        await using var host = await WorkerTestHost.StartAsync(repository.Path);
        using var channel = host.CreateChannel();
        var request = WorkerTestHost.DoublerRequest([1, 2, 3, 4]);
        request.ModelName = "metrics_doubler";
        await channel.CallInvoker.UnaryAsync(InferenceMethods.ModelInfer, request).ResponseAsync;
        request.Inputs[0].Datatype = "INT8";
        await Assert.ThrowsAsync<RpcException>(() => channel.CallInvoker.UnaryAsync(InferenceMethods.ModelInfer, request).ResponseAsync);

        var mine = measurements.Where(m => m.Tags.GetValueOrDefault("model") == "metrics_doubler").ToArray();
        Assert.Contains(mine, m => m.Instrument == "serving_requests_total" && m.Tags["code"] == "OK" && m.Tags["version"] == "1");
        Assert.Contains(mine, m => m.Instrument == "serving_requests_total" && m.Tags["code"] == "INVALID_ARGUMENT");
        foreach (var reason in new[] { "queue_full", "deadline_exceeded", "deadline_unattainable", "cancelled", "batch_too_large", "shutting_down", "execution_failed" })
        {
            Assert.Contains(mine, m => m.Instrument == "serving_rejected_requests_total" && m.Tags["reason"] == reason && m.Value == 0);
        }

        foreach (var name in new[] { "serving_request_duration_seconds", "serving_queue_duration_seconds", "serving_compute_duration_seconds", "serving_batch_size", "serving_pending_requests" })
        {
            Assert.Contains(mine, m => m.Instrument == name);
        }
    }
}

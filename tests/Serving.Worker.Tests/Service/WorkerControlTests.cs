using System.Diagnostics;
using System.Globalization;
using Serving.Protocol;
using Serving.Grpc;
using Serving.Protocol.V1;
using Serving.Worker.Service;
using Serving.Worker.Tests.Infrastructure;

namespace Serving.Worker.Tests.Service;

/// <summary>WatchLoad streams load reports with the queue, instances and measured service times.</summary>
public sealed class WorkerControlTests
{
    private static readonly TimeSpan SafetyTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task WatchLoad_AfterInferences_ReportsModelWithServiceTimePerBatchSize()
    {
        using var repository = new TestRepository();
        repository.AddDoubler();
        await using var host = await WorkerTestHost.StartAsync(repository.Path);
        using var channel = host.CreateChannel();
        for (var i = 0; i < 3; i++)
        {
            await channel.CallInvoker.UnaryAsync(InferenceMethods.ModelInfer, WorkerTestHost.DoublerRequest([1, 2, 3, 4])).ResponseAsync.WaitAsync(SafetyTimeout);
        }

        using var cts = new CancellationTokenSource(SafetyTimeout);
        using var call = channel.CallInvoker.ServerStreaming(WorkerControlMethods.WatchLoad, new WatchLoadRequest { Subscriber = "test", IntervalMs = 20 }, new CallOptions(CancellationToken: cts.Token));
        var reports = new List<LoadReport>();
        while (reports.Count < 2 && await call.ResponseStream.MoveNext(cts.Token))
        {
            reports.Add(call.ResponseStream.Current);
        }

        var model = Assert.Single(reports[^1].Models);
        Assert.Equal("doubler", model.ModelName);
        Assert.Equal("1", model.ModelVersion);
        Assert.True(model.Ready);
        Assert.Equal(2, model.QueueLengthPerPriority.Count);
        Assert.Equal(8u, model.MaxBatchSize);
        var serviceTime = Assert.Single(model.ServiceTimes);
        Assert.Equal(1u, serviceTime.BatchSize);
        Assert.Equal(3u, serviceTime.SampleCount);
        Assert.True(serviceTime.P99Us >= serviceTime.P50Us);
        Assert.True(reports[1].TimestampUnixNanos >= reports[0].TimestampUnixNanos);
    }

    [Fact]
    public async Task WatchLoad_WarmupConfigured_ReportsServiceTimesBeforeAnyRequest()
    {
        using var repository = new TestRepository();
        repository.AddDoubler();
        await using var host = await WorkerTestHost.StartAsync(repository.Path, configure: o => o.WarmupRuns = 2);
        using var channel = host.CreateChannel();

        using var cts = new CancellationTokenSource(SafetyTimeout);
        using var call = channel.CallInvoker.ServerStreaming(WorkerControlMethods.WatchLoad, new WatchLoadRequest { Subscriber = "test" }, new CallOptions(CancellationToken: cts.Token));
        Assert.True(await call.ResponseStream.MoveNext(cts.Token));

        var model = Assert.Single(call.ResponseStream.Current.Models);
        // Batch 1 and the maximum (8), two recorded runs each; no request was served.
        Assert.Equal([1u, 8u], model.ServiceTimes.Select(t => t.BatchSize));
        Assert.All(model.ServiceTimes, t => Assert.Equal(2u, t.SampleCount));
        var statistics = await channel.CallInvoker.UnaryAsync(InferenceMethods.ModelStatistics, new Serving.Protocol.Inference.ModelStatisticsRequest { Name = "doubler" }).ResponseAsync.WaitAsync(SafetyTimeout);
        Assert.Equal(0ul, statistics.ModelStats[0].InferenceCount);
    }

    /// <summary>
    /// Every request's start and end is a significant change; under a stream of requests the worker
    /// pushes changes sooner than its interval but at most one report per minimum gap.
    /// </summary>
    [Fact]
    public async Task WatchLoad_RequestsBackToBack_PushesChangesAtMostOncePerMinGap()
    {
        const int Requests = 200;
        var gap = TimeSpan.FromMilliseconds(20);
        var interval = TimeSpan.FromSeconds(1);
        using var repository = new TestRepository();
        repository.AddDoubler();
        await using var host = await WorkerTestHost.StartAsync(repository.Path, configure: o => o.LoadReportMinGap = gap);
        using var channel = host.CreateChannel();

        using var cts = new CancellationTokenSource(SafetyTimeout);
        using var call = channel.CallInvoker.ServerStreaming(WorkerControlMethods.WatchLoad, new WatchLoadRequest { Subscriber = "test", IntervalMs = (uint)interval.TotalMilliseconds }, new CallOptions(CancellationToken: cts.Token));
        Assert.True(await call.ResponseStream.MoveNext(cts.Token));
        var reports = new List<LoadReport> { call.ResponseStream.Current };
        var span = Stopwatch.StartNew();
        var requests = Task.Run(async () =>
        {
            for (var i = 0; i < Requests; i++)
            {
                await channel.CallInvoker.UnaryAsync(InferenceMethods.ModelInfer, WorkerTestHost.DoublerRequest([i, 2, 3, 4])).ResponseAsync.WaitAsync(SafetyTimeout);
            }

            span.Stop();
        });

        // Until a report has every request's run time (at the latest the interval's report after the last one).
        while (reports[^1].Models[0].ServiceTimes.Sum(t => t.SampleCount) < Requests)
        {
            Assert.True(await call.ResponseStream.MoveNext(cts.Token), "the stream ended");
            reports.Add(call.ResponseStream.Current);
        }

        await requests;
        var gaps = reports.Zip(reports.Skip(1), (a, b) => TimeSpan.FromTicks((b.TimestampUnixNanos - a.TimestampUnixNanos) / 100)).ToArray();
        var summary = $"{reports.Count} reports for {Requests} requests over {span.ElapsedMilliseconds} ms, ms apart: {string.Join(", ", gaps.Select(g => g.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture)))}";
        Assert.All(gaps, g => Assert.True(g >= gap - TimeSpan.FromMilliseconds(1), $"two reports less than the {gap.TotalMilliseconds} ms gap apart: {summary}"));
        if (span.Elapsed > 4 * gap)
        {
            // The requests kept the load changing for several gaps: changes went out before the interval.
            Assert.True(gaps.Any(g => g < interval / 2), $"only interval reports: {summary}");
        }
    }

    [Fact]
    public void IsSignificantChange_QueueBurst_PushesAndJitterWaits()
    {
        static LoadReport Report(uint queued)
        {
            var report = new LoadReport();
            var model = new ModelLoad { ModelName = "m", ModelVersion = "1", Ready = true };
            model.QueueLengthPerPriority.Add(queued);
            report.Models.Add(model);
            return report;
        }

        Assert.True(WorkerControlService.IsSignificantChange(null, Report(0)));
        Assert.False(WorkerControlService.IsSignificantChange(Report(20), Report(21)));
        Assert.True(WorkerControlService.IsSignificantChange(Report(20), Report(30)));
        Assert.True(WorkerControlService.IsSignificantChange(Report(0), Report(2)));
    }
}

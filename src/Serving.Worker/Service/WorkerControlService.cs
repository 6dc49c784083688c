using Serving.Protocol;
using Serving.Grpc;
using Serving.Protocol.V1;
using Serving.Worker.Inference;

namespace Serving.Worker.Service;

/// <summary>
/// <c>serving.v1.WorkerControl</c>: streams <see cref="LoadReport"/>s to the router every interval
/// (100 ms by default) and as soon as the load changes significantly.
/// </summary>
/// <remarks>
/// "Significant" = a model's state, in-flight count or queue length changed by at least
/// max(2, 25%) since the last report: small jitter waits for the next tick, a burst is reported at once.
/// Change notifications only set a signal; the stream loop builds and compares snapshots itself.
/// </remarks>
public sealed class WorkerControlService(ModelManager models, WorkerOptions options, TimeProvider time)
{
    /// <summary>Binds WatchLoad.</summary>
    public ServiceDefinition CreateDefinition() => ServiceDefinition.CreateBuilder()
        .AddServerStreaming(WorkerControlMethods.WatchLoad, WatchLoadAsync)
        .Build();

    /// <summary>The current load of every loaded model version.</summary>
    public LoadReport Snapshot()
    {
        var report = new LoadReport { WorkerId = options.WorkerId, TimestampUnixNanos = (time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100 };
        var ready = !models.IsShuttingDown;
        foreach (var model in models.LoadedModels.OrderBy(m => m.Name, StringComparer.Ordinal).ThenBy(m => m.Version))
        {
            var load = model.GetLoad();
            var entry = new ModelLoad
            {
                ModelName = model.Name,
                ModelVersion = model.VersionText,
                Ready = ready,
                InFlightBatches = (uint)load.InFlightBatches,
                MaxBatchSize = (uint)Math.Max(1, model.Config.MaxBatchSize),
                InstanceCount = (uint)load.InstanceCount,
            };
            entry.QueueLengthPerPriority.AddRange(load.QueueLengthPerPriority.Select(q => (uint)q));
            entry.ServiceTimes.AddRange(model.Recorder.Snapshot().Select(s => new BatchServiceTime
            {
                BatchSize = (uint)s.BatchSize,
                P50Us = (ulong)s.P50.TotalMicroseconds,
                P99Us = (ulong)s.P99.TotalMicroseconds,
                SampleCount = (uint)s.SampleCount,
            }));
            entry.InFlight.AddRange(load.Running.Select(r => new InFlightBatch { BatchSize = (uint)r.Size, ElapsedUs = (ulong)r.Elapsed.TotalMicroseconds }));
            report.Models.Add(entry);
        }

        return report;
    }

    /// <summary>True when <paramref name="current"/> differs enough from <paramref name="previous"/> to push at once.</summary>
    public static bool IsSignificantChange(LoadReport? previous, LoadReport current)
    {
        if (previous is null || previous.Models.Count != current.Models.Count)
        {
            return true;
        }

        for (var i = 0; i < current.Models.Count; i++)
        {
            ModelLoad a = previous.Models[i], b = current.Models[i];
            if (a.ModelName != b.ModelName || a.ModelVersion != b.ModelVersion || a.Ready != b.Ready || a.InFlightBatches != b.InFlightBatches)
            {
                return true;
            }

            long before = a.QueueLengthPerPriority.Sum(q => (long)q), after = b.QueueLengthPerPriority.Sum(q => (long)q);
            if (Math.Abs(after - before) >= Math.Max(2, before / 4))
            {
                return true;
            }
        }

        return false;
    }

    private async Task WatchLoadAsync(WatchLoadRequest request, IServerStreamWriter<LoadReport> stream, ServerCallContext context)
    {
        var interval = request.IntervalMs > 0 ? TimeSpan.FromMilliseconds(request.IntervalMs) : options.LoadReportInterval;
        var minGap = options.LoadReportMinGap < interval ? options.LoadReportMinGap : interval;
        var token = context.CancellationToken;
        var signal = new Signal();
        var subscribed = new HashSet<LoadedModel>();
        void Subscribe()
        {
            foreach (var model in models.LoadedModels)
            {
                if (subscribed.Add(model))
                {
                    model.LoadChanged += signal.Set;
                }
            }
        }

        models.StateChanged += signal.Set;
        try
        {
            LoadReport? last = null;
            var lastSent = time.GetTimestamp();
            while (!token.IsCancellationRequested)
            {
                Subscribe();
                var report = Snapshot();
                var sent = false;
                if (last is null || time.GetElapsedTime(lastSent) >= interval || IsSignificantChange(last, report))
                {
                    await stream.WriteAsync(report, token).ConfigureAwait(false);
                    last = report;
                    lastSent = time.GetTimestamp();
                    sent = true;
                }

                if (models.IsShuttingDown && last is not null && last.Models.All(m => !m.Ready))
                {
                    // Stopping: the subscriber has seen every model not ready, so end the stream
                    // (status OK) rather than hold the server's graceful stop open until its
                    // shutdown timeout; routers treat the end as "not routable" and resubscribe.
                    return;
                }

                if (sent && minGap > TimeSpan.Zero)
                {
                    // Nothing goes out before the gap is over: changes meanwhile (each request's start
                    // and end signal one) are taken together in the next snapshot.
                    await Task.Delay(minGap, time, token).ConfigureAwait(false);
                }

                var remaining = interval - time.GetElapsedTime(lastSent);
                await signal.WaitAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, time, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The subscriber left.
        }
        finally
        {
            models.StateChanged -= signal.Set;
            foreach (var model in subscribed)
            {
                model.LoadChanged -= signal.Set;
            }
        }
    }

    // An auto-reset signal whose waits also end after a timeout.
    private sealed class Signal
    {
        private TaskCompletionSource _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Set() => Volatile.Read(ref _tcs).TrySetResult();

        public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
        {
            var tcs = Volatile.Read(ref _tcs);
            try
            {
                await tcs.Task.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The interval elapsed: report anyway.
            }

            if (tcs.Task.IsCompleted)
            {
                Interlocked.CompareExchange(ref _tcs, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), tcs);
            }
        }
    }
}

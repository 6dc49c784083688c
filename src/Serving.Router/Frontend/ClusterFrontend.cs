using Serving.Grpc;
using Serving.Protocol;
using Serving.Protocol.V1;
using Serving.Router.Resilience;
using Serving.Router.Selection;
using Serving.Router.Tasks;
using Serving.Router.Workers;

namespace Serving.Router.Frontend;

/// <summary><c>serving.v1.ClusterService</c>: the catalogue, SLO classes and every worker with its load, as this router sees them.</summary>
internal sealed class ClusterFrontend(
    RouterCatalog catalog,
    SloClassCatalog sloClasses,
    IVariantSelector selector,
    WorkerLoadTracker tracker,
    WorkerCircuitBreakers breakers,
    RouterReadiness readiness,
    RouterOptions options,
    TimeProvider time)
{
    /// <summary>The gRPC service.</summary>
    public ServiceDefinition CreateDefinition() => ServiceDefinition.CreateBuilder()
        .AddUnary(ClusterMethods.GetStatus, (_, _) => Task.FromResult(GetStatus()))
        .Build();

    /// <summary>A snapshot of the cluster now.</summary>
    public ClusterStatus GetStatus()
    {
        var cluster = tracker.Current;
        var current = catalog.Current;
        var now = time.GetUtcNow();
        var status = new ClusterStatus
        {
            Ready = readiness.IsReady,
            Selector = selector.Name,
            DefaultSloClass = sloClasses.Default.Name,
            AllowSynthetic = current.AllowSynthetic,
        };
        status.SloClasses.AddRange(sloClasses.Classes.OrderBy(c => c.Budget).Select(c => new SloClassInfo
        {
            Name = c.Name,
            BudgetMs = c.Budget.TotalMilliseconds,
            Percentile = c.Percentile * 100,
        }));
        foreach (var task in current.Tasks.Order(StringComparer.Ordinal))
        {
            var taskStatus = new Serving.Protocol.V1.TaskStatus { Task = task, Ready = readiness.IsTaskReady(task, cluster) };
            foreach (var variant in current.VariantsOf(task))
            {
                var variantStatus = new VariantStatus
                {
                    Name = variant.Name,
                    Quality = variant.Quality,
                    Synthetic = variant.Synthetic,
                    Selectable = !variant.Synthetic || current.AllowSynthetic,
                };
                variantStatus.ReadyWorkers.AddRange(cluster.RoutableFor(variant.Name).Select(w => w.Worker.Id));
                taskStatus.Variants.Add(variantStatus);
            }

            status.Tasks.Add(taskStatus);
        }

        var snapshots = cluster.Workers.ToDictionary(w => w.Id, StringComparer.Ordinal);
        foreach (var (address, reportedId, connected, lastReportAt) in tracker.Describe())
        {
            var worker = new WorkerStatus
            {
                Id = reportedId ?? "",
                Address = address,
                Connected = connected,
                Breaker = breakers.StateOf(address) switch
                {
                    Polly.CircuitBreaker.CircuitState.Open or Polly.CircuitBreaker.CircuitState.Isolated => "open",
                    Polly.CircuitBreaker.CircuitState.HalfOpen => "half_open",
                    _ => "closed",
                },
                ReportAgeMs = lastReportAt is { } at ? Math.Max(0, (now - at).TotalMilliseconds) : -1,
            };
            if (snapshots.TryGetValue(address, out var snapshot))
            {
                foreach (var (name, load) in snapshot.Models.OrderBy(m => m.Key, StringComparer.Ordinal))
                {
                    worker.Models.Add(new WorkerModelStatus
                    {
                        Model = name,
                        Ready = load.Ready,
                        Queued = (uint)load.QueueLengthPerPriority.Sum(),
                        InFlightBatches = (uint)load.InFlightBatches,
                        SentSinceReport = (uint)load.SentSinceReport,
                        P50Ms = load.ServiceTimes.Estimate(1, 0.5)?.TotalMilliseconds ?? 0,
                        P99Ms = load.ServiceTimes.Estimate(1, 0.99)?.TotalMilliseconds ?? 0,
                        PredictedMs = CompletionPredictor.Predict(load, priority: 1, percentile: 0.99, options.Selection.NetworkAllowance, cluster.TakenAt)?.TotalMilliseconds ?? -1,
                    });
                }
            }

            status.Workers.Add(worker);
        }

        return status;
    }
}

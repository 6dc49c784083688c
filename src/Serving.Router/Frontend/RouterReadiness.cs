using Serving.Grpc.Health;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;
using Serving.Router.Selection;
using Serving.Router.Tasks;
using Serving.Router.Workers;

namespace Serving.Router.Frontend;

/// <summary>
/// The router's readiness: every task of the catalogue has at least one selectable variant with a
/// ready worker. Kept current from the load tracker's snapshots and published on grpc.health.v1
/// (the overall service <c>""</c>, and one service per front end). The service <c>liveness</c> is
/// SERVING while the process runs (until a graceful stop), for liveness probes: a router without
/// ready workers is not ready, but restarting it would not help.
/// </summary>
internal sealed class RouterReadiness : IDisposable
{
    /// <summary>The health service names this router publishes besides the overall <c>""</c>.</summary>
    /// <summary>The health service name liveness probes check.</summary>
    public const string LivenessService = "liveness";

    public static readonly string[] Services =
        ["serving.v1.FaceService", "serving.v1.SegmentationService", "inference.GRPCInferenceService", "serving.v1.ClusterService"];

    private readonly RouterCatalog _catalog;
    private readonly WorkerLoadTracker _tracker;
    private readonly HealthServiceImpl _health;
    private readonly Lock _lock = new();
    private bool _stopping;

    public RouterReadiness(RouterCatalog catalog, WorkerLoadTracker tracker, HealthServiceImpl health)
    {
        _catalog = catalog;
        _tracker = tracker;
        _health = health;
        _tracker.Published += OnPublished;
        _health.SetStatus(LivenessService, ServingStatus.Serving);
        Update(_tracker.Current);
    }

    /// <summary>Whether every task has a ready worker (false while stopping).</summary>
    public bool IsReady { get; private set; }

    /// <summary>Tasks without a ready worker now.</summary>
    public IReadOnlyList<string> UnreadyTasks(ClusterSnapshot cluster) =>
        _catalog.Current.Tasks.Where(t => !IsTaskReady(t, cluster)).Order(StringComparer.Ordinal).ToArray();

    /// <summary>Whether <paramref name="task"/> has a selectable variant with a ready worker.</summary>
    public bool IsTaskReady(string task, ClusterSnapshot cluster)
    {
        var catalog = _catalog.Current;
        return catalog.VariantsOf(task).Any(v => (!v.Synthetic || catalog.AllowSynthetic) && cluster.RoutableFor(v.Name).Any());
    }

    /// <summary>Reports NOT_SERVING from now on (graceful stop).</summary>
    public void MarkStopping()
    {
        lock (_lock)
        {
            _stopping = true;
            IsReady = false;
            _health.SetAllNotServing();
        }
    }

    public void Dispose() => _tracker.Published -= OnPublished;

    private void OnPublished(object? sender, ClusterSnapshot snapshot) => Update(_tracker.Current);

    private void Update(ClusterSnapshot cluster)
    {
        var ready = _catalog.Current.Tasks.Any() && UnreadyTasks(cluster).Count == 0;
        lock (_lock)
        {
            if (_stopping)
            {
                return;
            }

            IsReady = ready;
            var status = ready ? ServingStatus.Serving : ServingStatus.NotServing;
            _health.SetStatus(string.Empty, status);
            foreach (var service in Services)
            {
                _health.SetStatus(service, status);
            }
        }
    }
}

using Microsoft.Extensions.Hosting;
using Serving.Router.Frontend;
using Serving.Router.Reporting;
using Serving.Router.Selection;
using Serving.Router.Tasks;

namespace Serving.Router;

/// <summary>
/// Publishes the router's metric series at zero once every hosted service (the metrics exposition
/// among them) has started, and on a graceful stop reports NOT_SERVING first so load balancers stop
/// sending new calls while in-flight ones finish.
/// </summary>
internal sealed class RouterFrontendLifecycle(RouterReadiness readiness, RouterMetrics metrics, RouterCatalog catalog, SloClassCatalog sloClasses) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var current = catalog.Current;
        foreach (var task in current.Tasks)
        {
            metrics.InitializeTask(task, sloClasses.Classes.Select(c => c.Name), current.VariantsOf(task).Select(v => v.Name));
        }

        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        readiness.MarkStopping();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        readiness.Dispose();
        return Task.CompletedTask;
    }
}

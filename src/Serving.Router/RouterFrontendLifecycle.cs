using Microsoft.Extensions.Hosting;
using Serving.Router.Frontend;

namespace Serving.Router;

/// <summary>On a graceful stop, reports NOT_SERVING first so load balancers stop sending new calls while in-flight ones finish.</summary>
internal sealed class RouterFrontendLifecycle(RouterReadiness readiness) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

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

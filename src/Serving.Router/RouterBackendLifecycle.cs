using Microsoft.Extensions.Hosting;
using Serving.Router.Discovery;
using Serving.Router.Workers;

namespace Serving.Router;

/// <summary>Starts discovery and load tracking with the host, and stops them (streams cancelled, channels closed) with it.</summary>
internal sealed class RouterBackendLifecycle(IWorkerDiscovery discovery, WorkerLoadTracker tracker, WorkerChannelPool channels) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        switch (discovery)
        {
            case DnsWorkerDiscovery dns:
                await dns.StartAsync(cancellationToken).ConfigureAwait(false);
                break;
            case CompositeWorkerDiscovery composite:
                await composite.StartAsync(cancellationToken).ConfigureAwait(false);
                break;
        }

        tracker.Start();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await tracker.DisposeAsync().ConfigureAwait(false);
        if (discovery is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync().ConfigureAwait(false);
        }

        channels.Dispose();
    }
}

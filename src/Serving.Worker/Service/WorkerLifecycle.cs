using Serving.Protocol;
using Microsoft.Extensions.Hosting;
using Serving.Grpc.Health;
using Serving.Worker.Inference;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Serving.Worker.Service;

/// <summary>
/// Loads the repository at start-up, keeps grpc.health.v1 in step with readiness, and on stop
/// (SIGTERM) turns not-ready, refuses new work and drains queued and in-flight requests within the
/// grace period.
/// </summary>
/// <remarks>
/// The drain runs in <see cref="StoppingAsync"/>, which the host calls before it stops any hosted
/// service, the web server included: while queued work finishes, the server still accepts calls,
/// so a new request gets UNAVAILABLE (not a refused connection), health reads NOT_SERVING and
/// load-report streams end after saying so. Only then does Kestrel stop, with nothing left to wait for.
/// </remarks>
internal sealed class WorkerLifecycle(ModelManager models, HealthServiceImpl health, WorkerOptions options) : IHostedLifecycleService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        models.StateChanged += UpdateHealth;
        UpdateHealth();
        if (options.LoadAllAtStartup)
        {
            await models.LoadAllAsync(cancellationToken).ConfigureAwait(false);
        }

        UpdateHealth();
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        health.SetAllNotServing();
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        grace.CancelAfter(options.GracePeriod);
        await models.ShutdownAsync(grace.Token).ConfigureAwait(false);
        models.StateChanged -= UpdateHealth;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void UpdateHealth()
    {
        var status = models.IsReady ? ServingStatus.Serving : ServingStatus.NotServing;
        health.SetStatus(string.Empty, status);
        health.SetStatus(InferenceMethods.ServiceName, status);
    }
}

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
/// Registered after the web server's hosted service, so it stops first: the server still writes the
/// responses of drained requests; Kestrel then waits for those in-flight calls.
/// </remarks>
internal sealed class WorkerLifecycle(ModelManager models, HealthServiceImpl health, WorkerOptions options) : IHostedService
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

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        health.SetAllNotServing();
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        grace.CancelAfter(options.GracePeriod);
        await models.ShutdownAsync(grace.Token).ConfigureAwait(false);
        models.StateChanged -= UpdateHealth;
    }

    private void UpdateHealth()
    {
        var status = models.IsReady ? ServingStatus.Serving : ServingStatus.NotServing;
        health.SetStatus(string.Empty, status);
        health.SetStatus(InferenceMethods.ServiceName, status);
    }
}

using System.Threading.Channels;
using Grpc.Health.V1;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Serving.Grpc.Health;

/// <summary>
/// The standard <c>grpc.health.v1.Health</c> service. The owner sets statuses; <c>Check</c>
/// answers from them and <c>Watch</c> streams every change. The service name "" stands for the
/// whole server.
/// </summary>
/// <remarks>
/// State and the watcher list are guarded by <c>_lock</c>. Each watcher owns a bounded channel
/// that keeps only the newest status: a slow watcher skips intermediate states instead of
/// holding memory, which matches the protocol (it only promises the latest status).
/// </remarks>
public sealed class HealthServiceImpl
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ServingStatus> _statuses = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Channel<ServingStatus>>> _watchers = new(StringComparer.Ordinal);

    /// <summary>Creates the service with the overall server status ("") set to SERVING.</summary>
    public HealthServiceImpl() => SetStatus(string.Empty, ServingStatus.Serving);

    /// <summary>Sets the status of <paramref name="service"/> and notifies its watchers.</summary>
    public void SetStatus(string service, ServingStatus status)
    {
        ArgumentNullException.ThrowIfNull(service);
        lock (_lock)
        {
            _statuses[service] = status;
            Notify(service, status);
        }
    }

    /// <summary>Forgets <paramref name="service"/>: Check answers NOT_FOUND, watchers see SERVICE_UNKNOWN.</summary>
    public void ClearStatus(string service)
    {
        ArgumentNullException.ThrowIfNull(service);
        lock (_lock)
        {
            if (_statuses.Remove(service))
            {
                Notify(service, ServingStatus.ServiceUnknown);
            }
        }
    }

    /// <summary>Marks every known service NOT_SERVING, e.g. while shutting down gracefully.</summary>
    public void SetAllNotServing()
    {
        lock (_lock)
        {
            foreach (var service in _statuses.Keys.ToArray())
            {
                _statuses[service] = ServingStatus.NotServing;
                Notify(service, ServingStatus.NotServing);
            }
        }
    }

    /// <summary>The current status of <paramref name="service"/>, or null when unknown.</summary>
    public ServingStatus? GetStatus(string service)
    {
        lock (_lock)
        {
            return _statuses.TryGetValue(service, out var status) ? status : null;
        }
    }

    /// <summary>The service definition to map: <c>app.MapGrpcService(health.CreateDefinition())</c>.</summary>
    public ServiceDefinition CreateDefinition() => ServiceDefinition.CreateBuilder()
        .AddUnary(HealthMethods.Check, CheckAsync)
        .AddServerStreaming(HealthMethods.Watch, WatchAsync)
        .Build();

    private Task<HealthCheckResponse> CheckAsync(HealthCheckRequest request, ServerCallContext context)
    {
        var status = GetStatus(request.Service)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"Unknown service '{request.Service}'."));
        return Task.FromResult(new HealthCheckResponse { Status = status });
    }

    private async Task WatchAsync(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context)
    {
        var updates = Channel.CreateBounded<ServingStatus>(new BoundedChannelOptions(1)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = false,
        });
        var service = request.Service;
        lock (_lock)
        {
            // Registration and the first status happen under one lock so no change slips between them.
            updates.Writer.TryWrite(_statuses.TryGetValue(service, out var current) ? current : ServingStatus.ServiceUnknown);
            if (!_watchers.TryGetValue(service, out var list))
            {
                _watchers[service] = list = [];
            }

            list.Add(updates);
        }

        try
        {
            ServingStatus? last = null;
            await foreach (var status in updates.Reader.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
            {
                if (status != last)
                {
                    await responseStream.WriteAsync(new HealthCheckResponse { Status = status }, context.CancellationToken).ConfigureAwait(false);
                    last = status;
                }
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The watcher went away or its deadline passed: the normal end of a Watch.
        }
        finally
        {
            lock (_lock)
            {
                if (_watchers.TryGetValue(service, out var list))
                {
                    list.Remove(updates);
                    if (list.Count == 0)
                    {
                        _watchers.Remove(service);
                    }
                }
            }
        }
    }

    /// <summary>Caller holds <c>_lock</c>.</summary>
    private void Notify(string service, ServingStatus status)
    {
        if (_watchers.TryGetValue(service, out var list))
        {
            foreach (var watcher in list)
            {
                watcher.Writer.TryWrite(status);
            }
        }
    }
}

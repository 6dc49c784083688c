using System.Collections.Concurrent;
using Serving.Grpc;
using Serving.Router.Discovery;

namespace Serving.Router.Workers;

/// <summary>One gRPC channel per worker, shared by the load stream and the calls sent to it.</summary>
/// <remarks>Channels are created on first use and disposed when the worker leaves discovery or the pool is disposed.</remarks>
internal sealed class WorkerChannelPool(Func<WorkerEndpoint, GrpcChannel>? factory = null) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<GrpcChannel>> _channels = new(StringComparer.Ordinal);
    private readonly Func<WorkerEndpoint, GrpcChannel> _factory = factory ?? (endpoint => GrpcChannel.ForAddress(endpoint.Address));

    /// <summary>The call invoker of <paramref name="endpoint"/>'s channel.</summary>
    public CallInvoker Get(WorkerEndpoint endpoint) =>
        _channels.GetOrAdd(endpoint.Id, _ => new Lazy<GrpcChannel>(() => _factory(endpoint))).Value.CallInvoker;

    /// <summary>Disposes the channel of worker <paramref name="id"/>, if any.</summary>
    public void Remove(string id)
    {
        if (_channels.TryRemove(id, out var channel) && channel.IsValueCreated)
        {
            channel.Value.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var id in _channels.Keys)
        {
            Remove(id);
        }
    }
}

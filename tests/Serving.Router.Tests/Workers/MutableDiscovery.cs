using Serving.Router.Discovery;

namespace Serving.Router.Tests.Workers;

/// <summary>A discovery the test changes by hand.</summary>
internal sealed class MutableDiscovery(params WorkerEndpoint[] initial) : IWorkerDiscovery
{
    private List<WorkerEndpoint> _current = [.. initial];

    public IReadOnlyList<WorkerEndpoint> Current => _current;

    public event EventHandler<WorkerSetChangedEventArgs>? Changed;

    public void Add(WorkerEndpoint endpoint)
    {
        _current = [.. _current, endpoint];
        Changed?.Invoke(this, new([endpoint], [], _current));
    }

    public void Remove(WorkerEndpoint endpoint)
    {
        _current = _current.Where(e => e.Id != endpoint.Id).ToList();
        Changed?.Invoke(this, new([], [endpoint], _current));
    }
}

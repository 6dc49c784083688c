using System.Net;
using Serving.Router.Discovery;

namespace Serving.Router.Tests.Discovery;

/// <summary>Several sources (a DNS name per worker pool, static addresses) act as one set of workers.</summary>
public sealed class CompositeWorkerDiscoveryTests
{
    private readonly ManualTimeProvider _time = new();
    private readonly Dictionary<string, string[]> _names = new(StringComparer.Ordinal);

    [Fact]
    public async Task Refresh_TwoPoolsAndAStaticWorker_UnionAndOnlyRealChangesRaised()
    {
        _names["gpu.serving.svc"] = ["10.0.0.1", "10.0.0.2"];
        _names["cpu.serving.svc"] = ["10.0.1.1"];
        var resolver = new PerHostResolver(_names);
        await using var composite = new CompositeWorkerDiscovery(
        [
            new DnsWorkerDiscovery(new DnsDiscoveryOptions { Host = "gpu.serving.svc", Port = 8001 }, resolver, _time),
            new DnsWorkerDiscovery(new DnsDiscoveryOptions { Host = "cpu.serving.svc", Port = 8001 }, resolver, _time),
            new StaticWorkerDiscovery(["10.0.9.9:8001"]),
        ]);
        var changes = new List<WorkerSetChangedEventArgs>();
        composite.Changed += (_, e) => changes.Add(e);

        await composite.StartAsync(CancellationToken.None);
        var started = composite.Current.Select(w => w.Id).ToArray();
        changes.Clear();
        _names["gpu.serving.svc"] = ["10.0.0.2", "10.0.0.3"];
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(["10.0.0.1:8001", "10.0.0.2:8001", "10.0.1.1:8001", "10.0.9.9:8001"], started);
        var change = Assert.Single(changes);
        Assert.Equal(["10.0.0.3:8001"], change.Added.Select(w => w.Id));
        Assert.Equal(["10.0.0.1:8001"], change.Removed.Select(w => w.Id));
        Assert.Equal(["10.0.0.2:8001", "10.0.0.3:8001", "10.0.1.1:8001", "10.0.9.9:8001"], composite.Current.Select(w => w.Id));
    }

    [Fact]
    public void AddServingRouterCore_DnsEntriesInWorkers_Validated()
    {
        var options = new RouterOptions { Workers = ["dns:workers.serving.svc:8001", "dns:bad host:x"] };

        var errors = options.Validate();

        Assert.Single(errors);
        Assert.Contains("bad host:x", errors[0], StringComparison.Ordinal);
    }

    private sealed class PerHostResolver(Dictionary<string, string[]> names) : IDnsResolver
    {
        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
            Task.FromResult(names[host].Select(IPAddress.Parse).ToArray());
    }
}

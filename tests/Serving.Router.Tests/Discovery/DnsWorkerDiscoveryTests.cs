using System.Net.Sockets;
using Serving.Router.Discovery;
using Serving.Router.Tests.Infrastructure;

namespace Serving.Router.Tests.Discovery;

public sealed class DnsWorkerDiscoveryTests
{
    private readonly FakeDnsResolver _resolver = new();
    private readonly ManualTimeProvider _time = new();
    private readonly List<WorkerSetChangedEventArgs> _changes = [];

    private DnsWorkerDiscovery Create()
    {
        var discovery = new DnsWorkerDiscovery(
            new DnsDiscoveryOptions { Host = "workers.serving.svc", Port = 8001, RefreshInterval = TimeSpan.FromSeconds(5) },
            _resolver,
            _time);
        discovery.Changed += (_, e) => _changes.Add(e);
        return discovery;
    }

    [Fact]
    public async Task Start_ResolvesAtOnce_EveryAddressIsAWorker()
    {
        _resolver.Set("10.0.0.2", "10.0.0.1");
        await using var discovery = Create();

        await discovery.StartAsync();

        Assert.Equal(["10.0.0.1:8001", "10.0.0.2:8001"], discovery.Current.Select(e => e.Id));
        Assert.Equal(new Uri("http://10.0.0.1:8001"), discovery.Current[0].Address);
        var change = Assert.Single(_changes);
        Assert.Equal(2, change.Added.Count);
        Assert.Empty(change.Removed);
    }

    [Fact]
    public async Task Refresh_WorkerAddedAndRemoved_OneEventWithBoth()
    {
        _resolver.Set("10.0.0.1", "10.0.0.2");
        await using var discovery = Create();
        await discovery.StartAsync();

        _resolver.Set("10.0.0.2", "10.0.0.3");
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(2, _changes.Count);
        Assert.Equal(["10.0.0.3:8001"], _changes[1].Added.Select(e => e.Id));
        Assert.Equal(["10.0.0.1:8001"], _changes[1].Removed.Select(e => e.Id));
        Assert.Equal(["10.0.0.2:8001", "10.0.0.3:8001"], discovery.Current.Select(e => e.Id));
    }

    [Fact]
    public async Task Refresh_BeforeTheInterval_DoesNotResolve()
    {
        _resolver.Set("10.0.0.1");
        await using var discovery = Create();
        await discovery.StartAsync();

        _time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Equal(1, _resolver.Calls);

        _time.Advance(TimeSpan.FromSeconds(10.1));
        Assert.Equal(4, _resolver.Calls);
    }

    [Fact]
    public async Task Refresh_SameSet_RaisesNoEvent()
    {
        _resolver.Set("10.0.0.1");
        await using var discovery = Create();
        await discovery.StartAsync();

        _resolver.Set("10.0.0.1", "10.0.0.1");
        _time.Advance(TimeSpan.FromSeconds(15));

        Assert.Single(_changes);
    }

    [Fact]
    public async Task Refresh_ResolverFailsOrAnswersEmpty_KeepsKnownWorkers()
    {
        _resolver.Set("10.0.0.1");
        await using var discovery = Create();
        await discovery.StartAsync();

        _resolver.Fail(new SocketException((int)SocketError.HostNotFound));
        _time.Advance(TimeSpan.FromSeconds(5));
        _resolver.Set();
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(["10.0.0.1:8001"], discovery.Current.Select(e => e.Id));
        Assert.Single(_changes);

        _resolver.Set("10.0.0.9");
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(["10.0.0.9:8001"], discovery.Current.Select(e => e.Id));
    }

    [Fact]
    public async Task Dispose_StopsRefreshing()
    {
        _resolver.Set("10.0.0.1");
        var discovery = Create();
        await discovery.StartAsync();

        await discovery.DisposeAsync();
        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(1, _resolver.Calls);
        Assert.Equal(0, _time.ArmedTimers);
    }
}

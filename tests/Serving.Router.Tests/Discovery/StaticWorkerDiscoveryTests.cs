using Serving.Router.Discovery;

namespace Serving.Router.Tests.Discovery;

public sealed class StaticWorkerDiscoveryTests
{
    [Fact]
    public void Create_MixedForms_ParsedDeduplicatedAndOrdered()
    {
        var discovery = new StaticWorkerDiscovery(["worker-b:8001", "http://worker-a:8001", "worker-b:8001", "https://secure:9443"]);

        Assert.Equal(["secure:9443", "worker-a:8001", "worker-b:8001"], discovery.Current.Select(e => e.Id));
        Assert.Equal(new Uri("https://secure:9443"), discovery.Current[0].Address);
        Assert.Equal(new Uri("http://worker-b:8001"), discovery.Current[2].Address);
    }

    [Fact]
    public void Create_NotAnAddress_FormatException()
    {
        Assert.Throws<FormatException>(() => new StaticWorkerDiscovery(["ftp://x:1"]));
    }
}

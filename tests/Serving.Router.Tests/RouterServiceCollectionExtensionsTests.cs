using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serving.Protocol.V1;
using Serving.Router.Discovery;
using Serving.Router.Resilience;
using Serving.Router.Selection;
using Serving.Router.Tests.Workers;
using Serving.Router.Workers;

namespace Serving.Router.Tests;

public sealed class RouterServiceCollectionExtensionsTests
{
    [Fact]
    public void AddServingRouterCore_SeveralMistakes_OneErrorListingEach()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddServingRouterCore(options =>
        {
            options.Selector = "fastest";
            options.Dispatch.MaxAttempts = 0;
            options.SloClasses.DefaultClass = "none";
        }));

        Assert.Contains("exactly one worker source", error.Message, StringComparison.Ordinal);
        Assert.Contains("'fastest'", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxAttempts", error.Message, StringComparison.Ordinal);
        Assert.Contains("'none'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddServingRouterCore_CalibrationQuantile_ZeroTurnsItOffOutOfRangeIsAnError()
    {
        RouterOptions? accepted = null;
        new ServiceCollection().AddServingRouterCore(options =>
        {
            options.Workers.Add("w1:8001");
            options.LoadTracking.Calibration.Apply(0);
            accepted = options;
        });
        Assert.False(accepted!.LoadTracking.Calibration.Enabled);

        var error = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddServingRouterCore(options =>
        {
            options.Workers.Add("w1:8001");
            options.LoadTracking.Calibration.Apply(1.5);
        }));

        Assert.Contains("calibrationQuantile", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddServingRouterCore_DnsSource_DnsDiscovery()
    {
        await using var provider = new ServiceCollection()
            .AddServingRouterCore(options => options.Dns = new DnsDiscoveryOptions { Host = "workers.serving.svc" })
            .BuildServiceProvider();

        Assert.IsType<DnsWorkerDiscovery>(provider.GetRequiredService<IWorkerDiscovery>());
    }

    [Fact]
    public async Task AddServingRouterCore_StaticWorkerOnLoopback_TrackerSeesItsReports()
    {
        await using var worker = await FakeWorkerHost.StartAsync(loopback: true);
        var services = new ServiceCollection().AddLogging();
        services.AddServingRouterCore(options =>
        {
            options.Workers.Add(worker.LoopbackAddress!.ToString());
            options.Selector = "always-best";
        });
        await using var provider = services.BuildServiceProvider();
        var lifecycle = provider.GetServices<IHostedService>().Single();

        await lifecycle.StartAsync(CancellationToken.None);
        try
        {
            var tracker = provider.GetRequiredService<WorkerLoadTracker>();
            var published = new TaskCompletionSource<ClusterSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
            tracker.Published += (_, snapshot) =>
            {
                if (snapshot.Workers.Any(w => w.RoutableModel("selfie") is not null))
                {
                    published.TrySetResult(snapshot);
                }
            };
            var connection = await worker.Control.NextConnectionAsync();
            connection.Push(new LoadReport { WorkerId = "w", Models = { new ModelLoad { ModelName = "selfie", ModelVersion = "1", Ready = true, MaxBatchSize = 1, InstanceCount = 1 } } });

            var snapshot = await published.Task.WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Equal(worker.LoopbackAddress!.Authority, Assert.Single(snapshot.Workers).Id);
            Assert.Equal("always-best", provider.GetRequiredService<IVariantSelector>().Name);
            Assert.NotNull(provider.GetRequiredService<ResilientDispatcher>());
        }
        finally
        {
            await lifecycle.StopAsync(CancellationToken.None);
        }
    }
}

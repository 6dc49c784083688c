using Google.Protobuf;
using Serving.Grpc;
using Serving.IntegrationTests.Infrastructure;
using Serving.Protocol;
using Serving.Protocol.V1;

namespace Serving.IntegrationTests;

/// <summary>Every metric the Helm chart's dashboards, alerts and autoscaling read is exposed by a running router and worker, in valid Prometheus text.</summary>
[Collection(ClusterCollection.Name)]
public sealed class MetricsTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Scrape_RouterAndWorkerAfterTraffic_EveryChartMetricExposedAndPromtoolClean()
    {
        var cluster = fixture.Cluster;
        using (var channel = cluster.CreateChannel())
        {
            var image = ByteString.CopyFrom(File.ReadAllBytes(Path.Combine(DevData.FaceImages, "img1.jpg")));
            await channel.CallInvoker.UnaryAsync(FaceMethods.Embed, new EmbedRequest { Image = image }, CallOptions.WithTimeout(TimeSpan.FromSeconds(30))).ResponseAsync;
        }

        using var http = new HttpClient();
        var router = await http.GetStringAsync(new Uri($"http://127.0.0.1:{cluster.RouterMetricsPort}/metrics"));
        var worker = await http.GetStringAsync(new Uri($"http://127.0.0.1:{cluster.Workers[0].MetricsPort}/metrics"));
        var expected = File.ReadAllLines(Path.Combine(ServingCli.RepositoryRoot(), "helm", "serving", "metrics.txt"))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            // The load tester's own series come from `serving loadtest`, tested with it.
            .Where(l => !l.StartsWith("serving_loadtest_", StringComparison.Ordinal))
            .ToArray();

        var exposed = Names(router).Union(Names(worker)).ToHashSet(StringComparer.Ordinal);
        var missing = expected.Where(name => !exposed.Contains(name)).ToArray();

        Assert.True(missing.Length == 0, "read by the chart but exposed by neither the router nor the worker: " + string.Join(", ", missing));
        foreach (var (who, text) in new[] { ("router", router), ("worker", worker) })
        {
            var (code, complaints) = await Promtool.CheckMetricsAsync(text);
            Assert.True(code == 0, $"promtool check metrics on the {who}: {complaints}");
        }
    }

    // Metric family names of an exposition (histogram series by their base name).
    private static IEnumerable<string> Names(string exposition) =>
        exposition.Split('\n')
            .Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal))
            .Select(l => l.Split(' ')[2]);
}

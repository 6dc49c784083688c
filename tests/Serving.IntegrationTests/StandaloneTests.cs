using System.Diagnostics;
using Google.Protobuf;
using Serving.Grpc;
using Serving.IntegrationTests.Infrastructure;
using Serving.Protocol;
using Serving.Protocol.V1;

namespace Serving.IntegrationTests;

/// <summary><c>serving standalone --prometheus</c>: the one-command cluster with a real Prometheus whose recording rules reflect the traffic.</summary>
public sealed class StandaloneTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task StandaloneWithPrometheus_Traffic_RecordingRulesGiveAttainmentAndP99()
    {
        Cluster.DefaultRepositoryPath();
        var port = FreePort.Next();
        var prometheusPort = FreePort.Next();
        using var standalone = ServingProcess.StartStandalone(TestCli.Path, port, FreePort.Next(), "--prometheus", "--prometheus-port", prometheusPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await standalone.WaitServingAsync();

        using var channel = GrpcChannel.ForAddress("http://" + standalone.Address);
        var image = ByteString.CopyFrom(File.ReadAllBytes(Path.Combine(DevData.FaceImages, "img1.jpg")));

        // Pinned to one variant so every answer lands in one histogram series; a first request is
        // scraped before the rest, because a rate needs the series in an earlier sample.
        var options = new RequestOptions { SloClass = "batch", PinnedVariant = "fr_feature" };
        var slowest = TimeSpan.Zero;
        var first = Stopwatch.StartNew();
        await channel.CallInvoker.UnaryAsync(FaceMethods.Embed, new EmbedRequest { Image = image, Options = options }, CallOptions.WithTimeout(TimeSpan.FromSeconds(30))).ResponseAsync;
        slowest = first.Elapsed;
        await UntilAsync(prometheusPort, "sum(serving_request_duration_seconds_count{job=\"router\",task=\"face-embedding\"})", v => v == 1, standalone);

        // 7 answered inside the batch class's 10 s budget (with the first), 2 refused (no variant reaches min_quality 2).
        for (var i = 0; i < 6; i++)
        {
            var clock = Stopwatch.StartNew();
            await channel.CallInvoker.UnaryAsync(FaceMethods.Embed, new EmbedRequest { Image = image, Options = options }, CallOptions.WithTimeout(TimeSpan.FromSeconds(30))).ResponseAsync;
            slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
        }

        for (var i = 0; i < 2; i++)
        {
            var clock = Stopwatch.StartNew();
            var error = await Assert.ThrowsAsync<RpcException>(() => channel.CallInvoker.UnaryAsync(
                FaceMethods.Embed, new EmbedRequest { Image = image, Options = new RequestOptions { SloClass = "batch", PinnedVariant = "fr_feature", MinQuality = 2 } }, CallOptions.WithTimeout(TimeSpan.FromSeconds(30))).ResponseAsync);
            Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
            slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
        }

        Assert.Contains($"prometheus: http://127.0.0.1:{prometheusPort}", standalone.Log, StringComparison.Ordinal);
        var attainment = await UntilAsync(prometheusPort, "task_slo:serving_slo_attainment:ratio{task=\"face-embedding\",slo=\"batch\"}", v => Math.Abs(v - (7.0 / 9)) < 1e-9, standalone);
        var p99 = await UntilAsync(prometheusPort, "task:serving_request_duration_seconds:p99_5m{task=\"face-embedding\"}", v => v > 0, standalone);

        Assert.Equal(7.0 / 9, attainment, 9);
        // No router-side duration exceeds what the client saw for the same request; p99 interpolates inside a bucket up to 2.5x wide.
        Assert.InRange(p99, 0, slowest.TotalSeconds * 2.5);
    }

    private static async Task<double> UntilAsync(int port, string query, Func<double, bool> condition, ServingProcess standalone)
    {
        var clock = Stopwatch.StartNew();
        var last = "no answer yet";
        while (clock.Elapsed < Patience)
        {
            Assert.False(standalone.HasExited, standalone.Log);
            try
            {
                var result = await PrometheusApi.QueryAsync(port, query);
                if (result.Count == 1 && condition(result[0].Value))
                {
                    return result[0].Value;
                }

                last = string.Join("; ", result.Select(r => $"{string.Join(",", r.Labels)} = {r.Value}"));
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message;
            }

            // Waiting on Prometheus's own 2 s scrape and evaluation loop: a short pause between polls.
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        Assert.Fail($"'{query}' never satisfied the condition within {Patience} (last: {last})\n{standalone.Log}");
        return double.NaN;
    }
}

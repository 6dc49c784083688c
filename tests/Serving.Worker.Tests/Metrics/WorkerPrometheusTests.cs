using Serving.Protocol;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serving.Grpc;
using Serving.Telemetry;
using Serving.Worker.Service;
using Serving.Worker.Tests.Infrastructure;

namespace Serving.Worker.Tests.Metrics;

/// <summary>
/// A real Prometheus (Debian's 2.42) scrapes a worker's metrics port on loopback every second while
/// the worker answers a known mix of requests: PromQL sees exactly the requests per status code the
/// clients saw, and <c>promtool check metrics</c> accepts the worker's exposition.
/// </summary>
public sealed class WorkerPrometheusTests : IAsyncLifetime
{
    private const string Model = "prometheus_doubler";
    private const int Succeeding = 23;
    private const int Failing = 7;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly TestRepository _repository = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private WebApplication? _app;
    private PrometheusServer? _prometheus;

    public Task InitializeAsync()
    {
        _repository.AddDoubler(Model, config: TestRepository.DoublerConfig(Model, maxBatchSize: 4));
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Prometheus_ScrapesWorkerUnderLoad_CountsEveryRequestByCodeAndPromtoolAcceptsExposition()
    {
        var metricsPort = FreePort.Next();
        var grpcAddress = await StartWorkerAsync(metricsPort);
        _prometheus = PrometheusServer.Start("worker", metricsPort);

        using var channel = GrpcChannel.ForAddress(grpcAddress);
        var calls = Enumerable.Range(0, Succeeding + Failing).Select(async i =>
        {
            var request = WorkerTestHost.DoublerRequest([i, 1, 2, 3]);
            request.ModelName = Model;
            if (i % 4 == 3 && i / 4 < Failing)
            {
                request.Inputs[0].Name = "unknown_input";
            }

            try
            {
                await channel.CallInvoker.UnaryAsync(InferenceMethods.ModelInfer, request).ResponseAsync;
                return StatusCode.OK;
            }
            catch (RpcException e)
            {
                return e.StatusCode;
            }
        });
        var codes = await Task.WhenAll(calls).WaitAsync(Patience);
        Assert.Equal(Succeeding, codes.Count(c => c == StatusCode.OK));
        Assert.Equal(Failing, codes.Count(c => c == StatusCode.InvalidArgument));

        var byCode = await _prometheus.QueryUntilAsync($"sum by (code) (serving_requests_total{{job=\"worker\",model=\"{Model}\"}})", "code",
            new Dictionary<string, double> { ["OK"] = Succeeding, ["INVALID_ARGUMENT"] = Failing }, Patience);
        Assert.Equal(2, byCode.Count);
        var total = await _prometheus.QueryScalarUntilAsync($"sum(serving_requests_total{{job=\"worker\",model=\"{Model}\"}})", Succeeding + Failing, Patience);
        Assert.Equal(Succeeding + Failing, total);

        var exposition = await _http.GetStringAsync(new Uri($"http://127.0.0.1:{metricsPort}/metrics"));
        Assert.Contains($"model=\"{Model}\"", exposition, StringComparison.Ordinal);
        var (exitCode, complaints) = await Promtool.CheckMetricsAsync(exposition);
        Assert.True(exitCode == 0 && complaints.Length == 0, $"promtool exit {exitCode}: {complaints}\n--- input ---\n{exposition}");
    }

    public async Task DisposeAsync()
    {
        _prometheus?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _http.Dispose();
        _repository.Dispose();
    }

    /// <summary>The worker as the CLI wires it, on loopback: gRPC on a free port, /metrics on <paramref name="metricsPort"/>.</summary>
    private async Task<Uri> StartWorkerAsync(int metricsPort)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddServingWorker(options =>
        {
            options.RepositoryPath = _repository.Path;
            options.Threads = 1;
        });
        builder.Services.AddServingTelemetry(options =>
        {
            options.MetricsPort = metricsPort;
            options.MetricsAddress = IPAddress.Loopback;
        });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenGrpc(new IPEndPoint(IPAddress.Loopback, 0)));
        _app = builder.Build();
        _app.MapServingWorker();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new Uri(address);
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
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
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "serving-worker-prometheus-" + Guid.NewGuid().ToString("N"));
    private readonly StringBuilder _log = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private WebApplication? _app;
    private Process? _prometheus;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _repository.AddDoubler(Model, config: TestRepository.DoublerConfig(Model, maxBatchSize: 4));
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Prometheus_ScrapesWorkerUnderLoad_CountsEveryRequestByCodeAndPromtoolAcceptsExposition()
    {
        var prometheus = ExternalTools.Require(ExternalTools.Prometheus);
        var promtool = ExternalTools.Require(ExternalTools.Promtool);
        var metricsPort = FreePort.Next();
        var grpcAddress = await StartWorkerAsync(metricsPort);
        var prometheusPort = StartPrometheus(prometheus, metricsPort);

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

        var byCode = await QueryUntilAsync(prometheusPort, $"sum by (code) (serving_requests_total{{job=\"worker\",model=\"{Model}\"}})", "code",
            new Dictionary<string, double> { ["OK"] = Succeeding, ["INVALID_ARGUMENT"] = Failing });
        Assert.Equal(2, byCode.Count);
        var total = await QueryUntilAsync(prometheusPort, $"sum(serving_requests_total{{job=\"worker\",model=\"{Model}\"}})", null,
            new Dictionary<string, double> { [""] = Succeeding + Failing });
        Assert.Equal(Succeeding + Failing, total[""]);

        var exposition = await _http.GetStringAsync(new Uri($"http://127.0.0.1:{metricsPort}/metrics"));
        Assert.Contains($"model=\"{Model}\"", exposition, StringComparison.Ordinal);
        var (exitCode, complaints) = await PromtoolCheckAsync(promtool, exposition);
        Assert.True(exitCode == 0 && complaints.Length == 0, $"promtool exit {exitCode}: {complaints}\n--- input ---\n{exposition}");
    }

    public async Task DisposeAsync()
    {
        StopPrometheus();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _http.Dispose();
        _repository.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Prometheus may still be closing its TSDB files; the temp folder is cleaned by the OS.
        }
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

    private int StartPrometheus(string binary, int metricsPort)
    {
        var port = FreePort.Next();
        var config = Path.Combine(_directory, "prometheus.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: worker
                metrics_path: /metrics
                static_configs:
                  - targets: ['127.0.0.1:{metricsPort}']
            """);
        var start = new ProcessStartInfo(binary,
        [
            "--config.file=" + config,
            "--storage.tsdb.path=" + Path.Combine(_directory, "data"),
            $"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _prometheus = new Process { StartInfo = start };
        _prometheus.OutputDataReceived += (_, e) => Log(e.Data);
        _prometheus.ErrorDataReceived += (_, e) => Log(e.Data);
        _prometheus.Start();
        _prometheus.BeginOutputReadLine();
        _prometheus.BeginErrorReadLine();
        return port;
    }

    /// <summary>
    /// Polls the instant-query API until the series (keyed by <paramref name="label"/>, or "" for a
    /// single unlabelled result) equal <paramref name="expected"/>: Prometheus needs a moment to start
    /// and then a scrape or two. The deadline is only a safety net.
    /// </summary>
    private async Task<Dictionary<string, double>> QueryUntilAsync(int port, string query, string? label, Dictionary<string, double> expected)
    {
        var uri = new Uri($"http://127.0.0.1:{port}/api/v1/query?query={Uri.EscapeDataString(query)}");
        var deadline = Stopwatch.StartNew();
        var lastError = "no answer yet";
        while (deadline.Elapsed < Patience)
        {
            if (_prometheus!.HasExited)
            {
                Assert.Fail($"prometheus exited with {_prometheus.ExitCode}:\n{LogText()}");
            }

            try
            {
                using var document = JsonDocument.Parse(await _http.GetStringAsync(uri));
                var result = document.RootElement.GetProperty("data").GetProperty("result");
                var series = new Dictionary<string, double>(StringComparer.Ordinal);
                foreach (var item in result.EnumerateArray())
                {
                    var key = label is null ? "" : item.GetProperty("metric").GetProperty(label).GetString()!;
                    series[key] = double.Parse(item.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
                }

                if (series.Count == expected.Count && expected.All(e => series.TryGetValue(e.Key, out var value) && value == e.Value))
                {
                    return series;
                }

                lastError = $"result: {result}";
            }
            catch (HttpRequestException e)
            {
                lastError = e.Message;
            }
            catch (TaskCanceledException e)
            {
                lastError = e.Message;
            }

            // Waiting on another process's scrape loop: a short pause between polls, bounded above.
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }

        Assert.Fail($"'{query}' did not reach {string.Join(", ", expected)} within {Patience} (last: {lastError}).\nprometheus log:\n{LogText()}");
        return [];
    }

    private static async Task<(int ExitCode, string Complaints)> PromtoolCheckAsync(string promtool, string text)
    {
        var start = new ProcessStartInfo(promtool, ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(text);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await stdout + await stderr).Trim());
    }

    private void StopPrometheus()
    {
        if (_prometheus is null)
        {
            return;
        }

        try
        {
            if (!_prometheus.HasExited)
            {
                _prometheus.Kill(entireProcessTree: true);
                _prometheus.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _prometheus.Dispose();
        _prometheus = null;
    }

    private void Log(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }

    private string LogText()
    {
        lock (_log)
        {
            return _log.ToString();
        }
    }
}

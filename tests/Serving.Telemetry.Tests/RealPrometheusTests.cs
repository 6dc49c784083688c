using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Serving.Telemetry.Tests;

/// <summary>
/// A real Prometheus (Debian's 2.42) scrapes a metrics listener on loopback every second and PromQL
/// returns what was recorded: the format, content type and counter semantics as a scraper sees them.
/// </summary>
public sealed class RealPrometheusTests : IAsyncLifetime
{
    private const int Requests = 137;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "serving-prometheus-" + Guid.NewGuid().ToString("N"));
    private readonly StringBuilder _log = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private MeterScope? _scope;
    private MetricsListener? _listener;
    private Process? _prometheus;

    public async Task InitializeAsync()
    {
        _scope = new MeterScope(ServingInstruments.Configure);
        _listener = await MetricsListener.StartAsync(_scope.Collector, new IPEndPoint(IPAddress.Loopback, 0));
        Directory.CreateDirectory(_directory);
    }

    [Fact]
    public async Task Prometheus_ScrapesListener_QueryReturnsRecordedRequestCount()
    {
        var binary = ExternalTools.Require(ExternalTools.Prometheus);
        var scope = _scope!;
        var requests = scope.Meter.CreateCounter<long>("serving_requests_total", description: "Inference requests answered.");
        var duration = scope.Meter.CreateHistogram<double>("serving_request_duration_seconds", "s", "Request latency.");
        for (var i = 0; i < Requests; i++)
        {
            requests.Add(1, new("task", "classify"), new("variant", "v1"), new("code", "OK"));
            duration.Record(0.002, new KeyValuePair<string, object?>("model", "m"));
        }

        var port = StartPrometheus(binary);

        Assert.Equal(Requests, await QueryUntilAsync(port, "sum(serving_requests_total{job=\"serving\",code=\"OK\"})", Requests));
        Assert.Equal(Requests, await QueryUntilAsync(port, "serving_request_duration_seconds_bucket{le=\"0.0025\",model=\"m\"}", Requests));
        Assert.Equal(1, await QueryUntilAsync(port, "up{job=\"serving\"}", 1));
    }

    public async Task DisposeAsync()
    {
        StopPrometheus();
        if (_listener is not null)
        {
            await _listener.DisposeAsync();
        }

        _scope?.Dispose();
        _http.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Prometheus may still be closing its TSDB files; the temp folder is cleaned by the OS.
        }
    }

    private int StartPrometheus(string binary)
    {
        var port = FreePort.Next();
        var config = Path.Combine(_directory, "prometheus.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: serving
                metrics_path: {_listener!.MetricsUri.AbsolutePath}
                static_configs:
                  - targets: ['127.0.0.1:{_listener.EndPoint.Port}']
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
    /// Polls the instant-query API until it returns <paramref name="expected"/>: Prometheus needs a
    /// moment to start and then a scrape or two. The deadline is only a safety net.
    /// </summary>
    private async Task<double?> QueryUntilAsync(int port, string query, double expected)
    {
        var uri = new Uri($"http://127.0.0.1:{port}/api/v1/query?query={Uri.EscapeDataString(query)}");
        var deadline = Stopwatch.StartNew();
        double? last = null;
        string lastError = "no answer yet";
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
                if (result.GetArrayLength() == 1)
                {
                    last = double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
                    if (last == expected)
                    {
                        return last;
                    }
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

        Assert.Fail($"'{query}' did not reach {expected} within {Patience} (last: {lastError}).\nprometheus log:\n{LogText()}");
        return last;
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

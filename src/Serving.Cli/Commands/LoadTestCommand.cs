using System.CommandLine;
using System.Globalization;
using Serving.LoadTest;
using Serving.LoadTest.Reporting;
using Serving.LoadTest.Running;

namespace Serving.Cli.Commands;

/// <summary><c>serving loadtest</c>: drives a router with a load schedule and writes report.json, report.md and report.html.</summary>
internal static class LoadTestCommand
{
    public static Command Create()
    {
        var endpoint = new Option<string>("--endpoint") { Description = "Router host:port or http(s)://host:port", DefaultValueFactory = _ => "127.0.0.1:8001" };
        var duration = new Option<string>("--duration") { Description = "Measured time after the warm-up, e.g. 30s", DefaultValueFactory = _ => "30s" };
        var rate = new Option<double>("--rate") { Description = "Requests/s of the constant and poisson schedules and of the warm-up", DefaultValueFactory = _ => 20 };
        var schedule = new Option<string>("--schedule") { Description = "constant | poisson | step:RATE@T,... | ramp:A..B | trace:FILE", DefaultValueFactory = _ => "constant" };
        var concurrency = new Option<int?>("--concurrency") { Description = "Closed loop with N callers instead of the open-loop schedule" };
        var mix = new Option<string>("--mix") { Description = "Task weights: verify, embed, detect, segment, infer", DefaultValueFactory = _ => "verify=2,segment=1,embed=1,detect=1" };
        var slo = new Option<string>("--slo") { Description = "SLO class weights (budgets from the router's status)", DefaultValueFactory = _ => "interactive=3,batch=1" };
        var images = new Option<DirectoryInfo?>("--images") { Description = "One image folder for every task (default: the dev sets in ../shared/data)" };
        var warmup = new Option<string>("--warmup") { Description = "Unmeasured warm-up before the run, e.g. 5s", DefaultValueFactory = _ => "0s" };
        var maxRequests = new Option<long?>("--max-requests") { Description = "Stop after this many measured requests" };
        var metricsPort = new Option<int?>("--metrics-port") { Description = "Serve the load tester's Prometheus /metrics on this port" };
        var seed = new Option<int>("--seed") { Description = "Seed of every random choice", DefaultValueFactory = _ => 1 };
        var apiKeyFile = new Option<FileInfo?>("--api-key-file") { Description = "File holding the API key (sent as authorization: Bearer)" };
        var attempts = new Option<int>("--attempts") { Description = "Attempts per request (retries on UNAVAILABLE within the deadline)", DefaultValueFactory = _ => 1 };
        var inferModel = new Option<string>("--infer-model") { Description = "Model or task alias of the raw v2 infer requests", DefaultValueFactory = _ => "face-embedding" };
        var fault = new Option<string[]>("--fault") { Description = "ACTION:PID@TIME, ACTION kill|term|stop|slow|cont (repeatable), e.g. --fault stop:4242@10s --fault cont:4242@20s", AllowMultipleArgumentsPerToken = false };
        var report = new Option<DirectoryInfo>("--report") { Description = "Folder for report.json, report.md and report.html", Required = true };
        var command = new Command("loadtest", "Drive a router with an open- or closed-loop load and report latency, goodput and SLO attainment")
        {
            endpoint, duration, rate, schedule, concurrency, mix, slo, images, warmup, maxRequests, metricsPort, seed, apiKeyFile, attempts, inferModel, fault, report,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            if (!DurationText.TryParse(result.GetValue(duration), out var measured) || !DurationText.TryParse(result.GetValue(warmup), out var warm))
            {
                Console.Error.WriteLine("error: --duration and --warmup take durations such as 30s, 500ms or 2m");
                return 2;
            }

            string? apiKey = null;
            if (result.GetValue(apiKeyFile) is { } keyFile)
            {
                if (!keyFile.Exists)
                {
                    Console.Error.WriteLine($"error: --api-key-file {keyFile.FullName} does not exist");
                    return 2;
                }

                apiKey = File.ReadLines(keyFile.FullName).FirstOrDefault()?.Trim();
            }

            var options = new LoadTestOptions
            {
                Endpoint = result.GetRequiredValue(endpoint),
                Duration = measured,
                Rate = result.GetValue(rate),
                Schedule = result.GetRequiredValue(schedule),
                Concurrency = result.GetValue(concurrency),
                Mix = result.GetRequiredValue(mix),
                Slo = result.GetRequiredValue(slo),
                ImagesDirectory = result.GetValue(images)?.FullName,
                Warmup = warm,
                MaxRequests = result.GetValue(maxRequests),
                MetricsPort = result.GetValue(metricsPort),
                Seed = result.GetValue(seed),
                ApiKey = apiKey,
                Attempts = result.GetValue(attempts),
                InferModel = result.GetRequiredValue(inferModel),
            };
            foreach (var step in result.GetValue(fault) ?? [])
            {
                options.Faults.Add(step);
            }

            var folder = result.GetRequiredValue(report).FullName;
            var runner = new LoadTestRunner(options);
            LoadTestReport outcome;
            try
            {
                var run = runner.RunAsync(cancellationToken);
                outcome = await LiveProgress.ShowAsync(() => runner.Progress, run, Console.Out);
            }
            catch (LoadTestException e)
            {
                Console.Error.WriteLine("error: " + e.Message);
                return 2;
            }

            var chart = ChartLibrary.TryLoad();
            var files = await ReportWriter.WriteAsync(outcome, folder, chart, CancellationToken.None);
            foreach (var warning in outcome.Warnings)
            {
                Console.Error.WriteLine("warning: " + warning);
            }

            if (chart is null)
            {
                Console.Error.WriteLine($"warning: Chart.js not found at {ChartLibrary.DefaultPath} (scripts/setup.sh runtime fetches it): report.html has tables only");
            }

            var t = outcome.Totals;
            var l = outcome.Latency;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"sent {t.Sent}, ok {t.Ok}, failed {t.Failed}; throughput {t.Throughput:0.##}/s, goodput {t.Goodput:0.##}/s, SLO attainment {t.Attainment * 100:0.00}%; p50 {l.P50Ms:0.##} ms, p99 {l.P99Ms:0.##} ms, p99.9 {l.P999Ms:0.##} ms"));
            Console.WriteLine("codes: " + string.Join(", ", outcome.Codes.Select(c => $"{c.Key} {c.Value}")));
            Console.WriteLine("report: " + string.Join(", ", files));
            return 0;
        });
        return command;
    }
}

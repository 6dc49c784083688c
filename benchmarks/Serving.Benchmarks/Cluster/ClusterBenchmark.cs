using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Serving.LoadTest;
using Serving.LoadTest.Reporting;
using Serving.OnnxRuntime;
using Serving.Worker.Repository.Tools;
using static Serving.Benchmarks.BenchmarkArgs;

namespace Serving.Benchmarks.Cluster;

/// <summary>
/// Benchmarks of the whole cluster as real processes (router + workers on loopback) driven by the
/// load tester: <c>cluster --part selection|faults|all</c>.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><b>selection</b>: the same staircase ramp (0.5x to 3x the heavy variant's measured capacity)
/// through the SLO-aware selector and the always-heavy and always-light baselines, on the
/// face-embedding task served by synthetic DPN-131 (heavy), DPN-68 and WeightNet (light) variants;
/// attainment, goodput and accuracy-weighted goodput per step.</item>
/// <item><b>faults</b>: the real face embedder (fr_feature) on two workers at 70% of the cluster's
/// measured capacity; one worker killed (SIGKILL) and started again ten seconds later; what the
/// clients saw and how long recovery took.</item>
/// </list>
/// Every step is a separate open-loop (Poisson) load-test run against the same processes.
/// </remarks>
internal static class ClusterBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var part = Option(args, "--part", "all");
        var reportDirectory = Option(args, "--report", Path.Combine(Path.GetTempPath(), "serving-cluster-benchmark"));
        Directory.CreateDirectory(reportDirectory);
        Console.WriteLine($"Cluster benchmark, {Environment.ProcessorCount} cores, load average before: {LoadAverage()}; reports in {reportDirectory}");
        if (part is "selection" or "all")
        {
            await SelectionAsync(args, reportDirectory);
        }

        if (part is "faults" or "all")
        {
            await FaultsAsync(args, reportDirectory);
        }

        Console.WriteLine($"Load average after: {LoadAverage()}");
        return 0;
    }

    /// <summary>Benchmark 1: SLO-aware selection against always-heavy and always-light over one ramp.</summary>
    private static async Task SelectionAsync(string[] args, string reportDirectory)
    {
        var stepSeconds = Number(args, "--step-duration", 15);
        var levels = Option(args, "--levels", "0.5,1,1.5,2,2.5,3").Split(',').Select(l => double.Parse(l, CultureInfo.InvariantCulture)).ToArray();
        var sloClass = Option(args, "--slo", "standard");
        var variants = Option(args, "--variants", "dpn131_face,dpn68_face,weightnet_face").Split(',');
        var workers = (int)Number(args, "--workers", 2);

        var repository = Path.Combine(OrtLibraryLocator.CacheDirectory, "benchmarks", "selection-repository");
        Console.WriteLine();
        Console.WriteLine($"## Selection: {string.Join(", ", variants)} (synthetic, seeded weights) on {workers} workers, SLO class '{sloClass}'");
        SyntheticVariants.AddTo(repository, variants, Console.Out);

        await using var cluster = await LocalCluster.StartAsync(repository, workers, ["--selector", "always-best", "--allow-synthetic"]);
        var status = await cluster.StatusAsync();
        var budget = status.SloClasses.FirstOrDefault(c => c.Name == sloClass)?.BudgetMs
            ?? throw new InvalidOperationException($"the router has no SLO class '{sloClass}'");

        // Capacity of the heavy variant: a closed loop deep enough to keep every worker's batcher
        // busy, through always-best (the heavy variant for every request), no SLO in the way.
        var capacityRun = await RunLoadAsync(cluster.Endpoint, new LoadTestOptions
        {
            Concurrency = 4 * workers, Duration = TimeSpan.FromSeconds(Number(args, "--capacity-duration", 15)),
            Warmup = TimeSpan.FromSeconds(3), Rate = 4, Mix = "infer=1", Slo = "batch=1", InferModel = "face-embedding",
        });
        var heavy = capacityRun.Variants.OrderByDescending(v => v.Count).First().Variant;
        var capacity = capacityRun.Totals.Throughput;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Heavy variant {heavy}: capacity {capacity:0.0} req/s (closed loop of {4 * workers}, p50 {capacityRun.Latency.P50Ms:0} ms); budget {budget:0} ms at the class's percentile"));

        var rows = new List<SelectionRow>();
        foreach (var policy in Option(args, "--policies", "slo-aware,always-best,always-cheapest").Split(','))
        {
            await cluster.StartRouterAsync(["--selector", policy, "--allow-synthetic", .. Option(args, "--router-args", "").Split(' ', StringSplitOptions.RemoveEmptyEntries)]);
            var reasonsBefore = (await RouterMetricsAsync(cluster)).Reasons;
            foreach (var level in levels)
            {
                var rate = level * capacity;
                var report = await RunLoadAsync(cluster.Endpoint, new LoadTestOptions
                {
                    Schedule = "poisson", Rate = rate, Duration = TimeSpan.FromSeconds(stepSeconds), Warmup = TimeSpan.FromSeconds(2),
                    Mix = "infer=1", Slo = sloClass + "=1", InferModel = "face-embedding", Seed = (int)(level * 100),
                });
                // Per second of the step's schedule, not of the report's window (which ends with the
                // last answer, later for slower variants): the same arrivals give the same denominator.
                var perSecond = report.Totals.WindowSeconds / stepSeconds;
                var metrics = await RouterMetricsAsync(cluster);
                var reasons = metrics.Reasons.ToDictionary(r => r.Key, r => r.Value - reasonsBefore.GetValueOrDefault(r.Key), StringComparer.Ordinal);
                reasonsBefore = metrics.Reasons;
                var row = new SelectionRow(policy, level, rate, report.Totals, report.Totals.Goodput * perSecond, report.Totals.AccuracyWeightedGoodput * perSecond,
                    report.Latency, report.Variants, report.Codes, report.Errors, metrics.Calibration) { Reasons = reasons };
                rows.Add(row);
                Console.WriteLine(row.Format());
            }
        }

        var markdown = new StringBuilder();
        markdown.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Heavy variant {heavy}, capacity {capacity:0.0} req/s on {workers} workers; SLO class {sloClass} ({budget:0} ms); {stepSeconds:0} s per step, Poisson arrivals."));
        markdown.AppendLine();
        markdown.AppendLine("| load (x heavy capacity) | offered req/s | policy | attainment | goodput req/s | accuracy-weighted goodput | p99 ms | variant mix | non-OK |");
        markdown.AppendLine("|---:|---:|---|---:|---:|---:|---:|---|---|");
        foreach (var row in rows.OrderBy(r => r.Level).ThenBy(r => PolicyOrder(r.Policy)))
        {
            markdown.AppendLine(row.Format());
        }

        markdown.AppendLine();
        foreach (var row in rows.Where(r => r.Policy == "slo-aware" && r.Calibration.Count > 0))
        {
            markdown.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"- {row.Level:0.0}x, slo-aware: prediction calibration at the end of the step (per worker): {string.Join("; ", row.Calibration.GroupBy(c => c.Key.Split('@')[0]).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {string.Join(" / ", g.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => c.Value.ToString("0.00", CultureInfo.InvariantCulture)))}"))}"));
        }

        markdown.AppendLine();
        foreach (var row in rows.Where(r => r.Policy == "slo-aware" && r.Reasons.Count > 0))
        {
            markdown.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"- {row.Level:0.0}x, slo-aware: selections by reason (router's serving_selections_total over the step, rescues included): {string.Join(", ", row.Reasons.Where(r => r.Value > 0).OrderByDescending(r => r.Value).Select(r => $"{r.Key} {r.Value:0}"))}"));
        }

        markdown.AppendLine();
        foreach (var level in levels)
        {
            var slo = rows.SingleOrDefault(r => r.Level == level && r.Policy == "slo-aware");
            var best = rows.SingleOrDefault(r => r.Level == level && r.Policy == "always-best");
            var cheapest = rows.SingleOrDefault(r => r.Level == level && r.Policy == "always-cheapest");
            if (slo is null || best is null || cheapest is null)
            {
                continue; // --policies left a baseline out
            }

            markdown.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"- {level:0.0}x: SLO-aware attainment {slo.Totals.Attainment:P2}; accuracy-weighted goodput / always-heavy {Ratio(slo, best)}, / always-light {Ratio(slo, cheapest)}"));
        }

        await File.WriteAllTextAsync(Path.Combine(reportDirectory, "selection.md"), markdown.ToString());
        await File.WriteAllTextAsync(Path.Combine(reportDirectory, "selection.json"), JsonSerializer.Serialize(rows, JsonOptions));
        Console.WriteLine();
        Console.WriteLine(markdown);
    }

    /// <summary>
    /// Benchmark 4: at 70% load, one worker killed and started again, stalled (SIGSTOP) and resumed,
    /// and slowed to half speed; each scenario a separate run against the same processes.
    /// </summary>
    private static async Task FaultsAsync(string[] args, string reportDirectory)
    {
        var load = Number(args, "--fault-load", 0.7);
        var faultAt = TimeSpan.FromSeconds(Number(args, "--kill-at", 10));
        var faultFor = TimeSpan.FromSeconds(Number(args, "--down-for", 10));
        var duration = TimeSpan.FromSeconds(Number(args, "--fault-duration", 40));
        var scenarios = Option(args, "--fault-scenarios", "kill,stall,slow").Split(',');
        var warmup = TimeSpan.FromSeconds(3);
        var repository = DefaultRepository.DefaultPath;
        if (!DefaultRepository.Exists(repository))
        {
            DefaultRepository.Build(repository, Console.Out);
        }

        Console.WriteLine();
        Console.WriteLine($"## Faults: fr_feature (real face embedder) on 2 workers, {load:P0} of capacity; worker 2 {string.Join(", ", scenarios)} {faultAt.TotalSeconds:0} s into the measured window for {faultFor.TotalSeconds:0} s");
        await using var cluster = await LocalCluster.StartAsync(repository, 2, ["--selector", "slo-aware"]);
        var capacityRun = await RunLoadAsync(cluster.Endpoint, new LoadTestOptions
        {
            Concurrency = 8, Duration = TimeSpan.FromSeconds(Number(args, "--capacity-duration", 15)), Warmup = TimeSpan.FromSeconds(3), Rate = 4,
            Mix = "infer=1", Slo = "batch=1", InferModel = "face-embedding",
        });
        var capacity = capacityRun.Totals.Throughput;
        var rate = load * capacity;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Capacity {capacity:0.0} req/s (closed loop of 8); offered {rate:0.0} req/s"));

        var markdown = new StringBuilder();
        markdown.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Capacity {capacity:0.0} req/s; offered {rate:0.0} req/s ({load:P0}), Poisson; {duration.TotalSeconds:0} s measured per scenario; SLO class standard; one attempt per request (no client retries). The fault hits worker 2 at t={(warmup + faultAt).TotalSeconds:0.0} s (run clock, warm-up included) for {faultFor.TotalSeconds:0} s."));
        markdown.AppendLine();
        markdown.AppendLine("| scenario | sent | OK | failed (any non-OK) | lost (no answer from the cluster) | attainment | p99 ms | worst second: attainment / p99 ms | seconds under 99% attainment | codes |");
        markdown.AppendLine("|---|---:|---:|---:|---:|---:|---:|---|---:|---|");
        var details = new StringBuilder();
        foreach (var scenario in scenarios)
        {
            await cluster.WaitAllWorkersReadyAsync(TimeSpan.FromSeconds(60));
            var victim = cluster.Workers[1];
            var options = new LoadTestOptions
            {
                Schedule = "poisson", Rate = rate, Duration = duration, Warmup = warmup, Mix = "infer=1", Slo = "standard=1", InferModel = "face-embedding",
            };
            var from = warmup + faultAt;
            var to = from + faultFor;
            string Step(string action, TimeSpan at) => string.Create(CultureInfo.InvariantCulture, $"{action}:{victim.ProcessId}@{at.TotalSeconds:0.###}s");
            switch (scenario)
            {
                case "kill":
                    options.Faults.Add(Step("kill", from));
                    break;
                case "stall":
                    options.Faults.Add(Step("stop", from));
                    options.Faults.Add(Step("cont", to));
                    break;
                case "slow":
                    options.Faults.Add(Step("slow", from));
                    options.Faults.Add(Step("cont", to));
                    break;
                default:
                    throw new ArgumentException($"--fault-scenarios: unknown scenario '{scenario}' (kill, stall, slow)");
            }

            // The kill's restart and the router's view of the victim, on the same clock as the run
            // (which starts right after this stopwatch, within milliseconds).
            var clock = Stopwatch.StartNew();
            var run = RunLoadAsync(cluster.Endpoint, options);
            var watch = scenario == "kill" ? WatchRecoveryAsync(cluster, victim.Address, clock, from, to) : null;
            var report = await run;
            var recovery = watch is null ? null : await watch;

            var failed = report.Totals.Sent - report.Totals.Ok;
            var lost = report.Codes.Where(c => LostCodes.Contains(c.Key)).Sum(c => c.Value);
            var window = report.Timeline.Where(p => p.T >= from.TotalSeconds - 1 && p.T <= to.TotalSeconds + 5 && p.Sent > 0).ToList();
            var worst = window.OrderBy(p => (double)p.InSlo / p.Sent).ThenByDescending(p => p.P99Ms).FirstOrDefault();
            var under = report.Timeline.Count(p => p.Sent > 0 && (double)p.InSlo / p.Sent < 0.99);
            markdown.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {scenario} | {report.Totals.Sent} | {report.Totals.Ok} | {failed} | {lost} | {report.Totals.Attainment:P2} | {report.Latency.P99Ms:0.0} | {(worst is null ? "-" : $"t={worst.T:0} s: {(double)worst.InSlo / worst.Sent:P0} / {worst.P99Ms:0}")} | {under} | {FormatCodes(report.Codes)} |"));

            details.AppendLine().AppendLine(string.Create(CultureInfo.InvariantCulture, $"### {scenario}: {string.Join(", ", report.Faults.Select(f => $"{f.Action} at t={f.T:0.0} s ({f.Result})"))}"));
            if (recovery is not null)
            {
                details.AppendLine().AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"- Router saw the worker gone after {Ms(recovery.GoneAfter)} (load stream broken); restarted at t={recovery.RestartedAt.TotalSeconds:0.0} s, ready in the router's view {Ms(recovery.BackAfter)} later."));
            }

            foreach (var error in report.Errors)
            {
                details.AppendLine(string.Create(CultureInfo.InvariantCulture, $"- {error.Count} x {error.Code}: {error.Message}"));
            }

            details.AppendLine().AppendLine("| t (s) | sent | OK | in SLO | errors | p99 ms |").AppendLine("|---:|---:|---:|---:|---:|---:|");
            foreach (var p in report.Timeline.Where(p => Math.Abs(p.T - from.TotalSeconds) <= 2 || Math.Abs(p.T - to.TotalSeconds) <= 3))
            {
                details.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {p.T:0} | {p.Sent} | {p.Ok} | {p.InSlo} | {p.Errors} | {p.P99Ms:0.0} |"));
            }

            await File.WriteAllTextAsync(Path.Combine(reportDirectory, $"faults-{scenario}.json"), JsonSerializer.Serialize(report, ReportJsonContext.Default.LoadTestReport));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{scenario}: {report.Totals.Sent} sent, {failed} failed, {lost} lost, attainment {report.Totals.Attainment:P2}, p99 {report.Latency.P99Ms:0} ms"));
        }

        markdown.Append(details);
        await File.WriteAllTextAsync(Path.Combine(reportDirectory, "faults.md"), markdown.ToString());
        // What the router and workers logged, for the failures the tables count.
        await File.WriteAllTextAsync(Path.Combine(reportDirectory, "faults-logs.txt"), cluster.Logs);
        Console.WriteLine();
        Console.WriteLine(markdown);
    }

    // Codes (as the report names them) of requests the cluster never answered: a deadline that ran
    // out, a transport failure, a cancellation. A RESOURCE_EXHAUSTED is an answer (a fast rejection).
    private static readonly string[] LostCodes = ["DeadlineExceeded", "Unavailable", "Cancelled", "Internal", "Unknown", "Aborted"];

    private sealed record Recovery(TimeSpan RestartedAt, TimeSpan? GoneAfter, TimeSpan? BackAfter);

    /// <summary>Polls the router's status: when it stops counting the victim connected, restarts it at <paramref name="restartAt"/>, and times its return.</summary>
    private static async Task<Recovery> WatchRecoveryAsync(LocalCluster cluster, string address, Stopwatch clock, TimeSpan killAt, TimeSpan restartAt)
    {
        TimeSpan? gone = null;
        while (clock.Elapsed < restartAt)
        {
            if (gone is null && clock.Elapsed >= killAt && !await ConnectedAsync(cluster, address))
            {
                gone = clock.Elapsed - killAt;
            }

            await Task.Delay(20);
        }

        var restartedAt = clock.Elapsed;
        cluster.RestartWorker(1);
        TimeSpan? back = null;
        var deadline = restartedAt + TimeSpan.FromSeconds(60);
        while (clock.Elapsed < deadline)
        {
            var status = await cluster.StatusAsync();
            var worker = status.Workers.FirstOrDefault(w => w.Address == address);
            if (worker is { Connected: true } && worker.Models.Count > 0 && worker.Models.All(m => m.Ready))
            {
                back = clock.Elapsed - restartedAt;
                break;
            }

            await Task.Delay(20);
        }

        return new Recovery(restartedAt, gone, back);
    }

    private static async Task<bool> ConnectedAsync(LocalCluster cluster, string address)
    {
        var status = await cluster.StatusAsync();
        return status.Workers.Any(w => w.Address == address && w.Connected);
    }

    private static async Task<LoadTestReport> RunLoadAsync(string endpoint, LoadTestOptions options)
    {
        options.Endpoint = endpoint;
        return await new LoadTestRunner(options).RunAsync();
    }

    /// <summary>
    /// The router's <c>serving_prediction_calibration</c> series now, as "model@worker" -> factor, and
    /// its <c>serving_selections_total</c> summed by reason (both empty when unreadable).
    /// </summary>
    private static async Task<(IReadOnlyDictionary<string, double> Calibration, IReadOnlyDictionary<string, double> Reasons)> RouterMetricsAsync(LocalCluster cluster)
    {
        var factors = new SortedDictionary<string, double>(StringComparer.Ordinal);
        var reasons = new SortedDictionary<string, double>(StringComparer.Ordinal);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{cluster.Router.MetricsPort}/metrics"));
            foreach (var line in text.Split('\n'))
            {
                var match = System.Text.RegularExpressions.Regex.Match(line, "^serving_prediction_calibration\\{model=\"([^\"]+)\",worker=\"([^\"]+)\"\\} (\\S+)$");
                if (match.Success && double.TryParse(match.Groups[3].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var factor))
                {
                    factors[match.Groups[1].Value + "@" + match.Groups[2].Value] = factor;
                }

                var selection = System.Text.RegularExpressions.Regex.Match(line, "^serving_selections_total\\{[^}]*reason=\"([^\"]*)\"[^}]*\\} (\\S+)$");
                if (selection.Success && double.TryParse(selection.Groups[2].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var count))
                {
                    reasons[selection.Groups[1].Value] = reasons.GetValueOrDefault(selection.Groups[1].Value) + count;
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            Console.Error.WriteLine($"(router metrics unreadable: {ex.Message})");
        }

        return (factors, reasons);
    }

    private sealed record SelectionRow(
        string Policy, double Level, double Rate, Totals Totals, double Goodput, double AccuracyWeightedGoodput,
        LatencySummary Latency, IReadOnlyList<VariantSummary> Variants, IReadOnlyDictionary<string, long> Codes, IReadOnlyList<ErrorSummary> Errors,
        IReadOnlyDictionary<string, double> Calibration)
    {
        /// <summary>The router's selections during the step, by reason.</summary>
        public IReadOnlyDictionary<string, double> Reasons { get; init; } = new Dictionary<string, double>();

        public string Format() => string.Create(CultureInfo.InvariantCulture,
            $"| {Level:0.0} | {Rate:0.0} | {Policy} | {Totals.Attainment:P2} | {Goodput:0.00} | {AccuracyWeightedGoodput:0.000} | {Latency.P99Ms:0} | {string.Join(", ", Variants.Select(v => $"{v.Variant} {v.Share:P0}"))} | {FormatCodes(Codes)} |");
    }

    private static string Ratio(SelectionRow a, SelectionRow b) =>
        b.AccuracyWeightedGoodput <= 0 ? "inf" : (a.AccuracyWeightedGoodput / b.AccuracyWeightedGoodput).ToString("0.0000", CultureInfo.InvariantCulture);

    private static int PolicyOrder(string policy) => policy switch { "slo-aware" => 0, "always-best" => 1, _ => 2 };

    private static string FormatCodes(IReadOnlyDictionary<string, long> codes) =>
        string.Join(", ", codes.Where(c => c.Key != "OK").Select(c => $"{c.Key} {c.Value}")) is { Length: > 0 } text ? text : "-";

    private static string Ms(TimeSpan? value) => value is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v.TotalMilliseconds:0} ms") : "never";

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static double Number(string[] args, string name, double fallback) =>
        double.Parse(Option(args, name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
}

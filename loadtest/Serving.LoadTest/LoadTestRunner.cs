using System.Globalization;
using System.Net;
using Serving.Client;
using Serving.Grpc;
using Serving.LoadTest.Faults;
using Serving.LoadTest.Reporting;
using Serving.LoadTest.Running;
using Serving.LoadTest.Schedules;
using Serving.LoadTest.Workload;
using Serving.Protocol.Inference;
using Serving.Protocol.V1;
using Serving.Telemetry;

namespace Serving.LoadTest;

/// <summary>
/// Runs one load test against a router and returns its report.
/// </summary>
/// <remarks>
/// <para>Open loop (the default): requests are due at the schedule's instants whether or not
/// earlier ones have answered, and each one's latency is measured from its <em>scheduled</em>
/// instant. When the server (or this process) stalls, the requests that should have gone out
/// meanwhile carry the stall in their latency instead of silently waiting: no coordinated
/// omission. Closed loop (<see cref="LoadTestOptions.Concurrency"/>): N callers each send the next
/// request when the last one answers, the model of a fixed pool of clients.</para>
/// <para>Every random choice (arrivals, task, class, image) comes from <see cref="LoadTestOptions.Seed"/>;
/// the dispatcher makes the open loop's choices in order, so a seed gives the same requests.</para>
/// </remarks>
public sealed class LoadTestRunner
{
    private static readonly Dictionary<string, TimeSpan> DefaultBudgets = new(StringComparer.Ordinal)
    {
        ["interactive"] = TimeSpan.FromMilliseconds(100),
        ["standard"] = TimeSpan.FromMilliseconds(300),
        ["batch"] = TimeSpan.FromSeconds(2),
    };

    private readonly LoadTestOptions _options;
    private readonly TimeProvider _time;
    private readonly ISignalSender _signals;
    private readonly OutcomeCollector _collector = new();
    private long _startTimestamp;
    private volatile string _phase = "starting";
    private TimeSpan _total;

    /// <summary>Creates a runner; <paramref name="time"/> drives schedules, deadlines and latencies (tests pass a manual clock).</summary>
    public LoadTestRunner(LoadTestOptions options, TimeProvider? time = null)
        : this(options, time, new PosixSignalSender())
    {
    }

    internal LoadTestRunner(LoadTestOptions options, TimeProvider? time, ISignalSender signals)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        _signals = signals;
    }

    /// <summary>Where the run is now, for live progress.</summary>
    public ProgressSnapshot Progress =>
        _collector.Snapshot(_phase, _startTimestamp == 0 ? TimeSpan.Zero : Elapsed(), _total);

    /// <summary>The Prometheus endpoint while the run serves metrics.</summary>
    public Uri? MetricsUri { get; private set; }

    /// <summary>Runs the test. Cancelling stops sending; requests in flight end by their deadlines and the report covers what was measured.</summary>
    /// <exception cref="LoadTestException">The options, images or trace are not usable.</exception>
    public async Task<LoadTestReport> RunAsync(CancellationToken cancellationToken = default)
    {
        var errors = _options.Validate();
        if (errors.Count > 0)
        {
            throw new LoadTestException(string.Join(" ", errors));
        }

        IArrivalSchedule schedule;
        WeightedMix<TaskKind> tasks;
        List<FaultStep> faults;
        try
        {
            schedule = ScheduleSpec.Parse(_options.Schedule, _options.Rate, _options.Seed);
            tasks = WeightedMix<TaskKind>.Parse(_options.Mix, "--mix", TaskKinds.TryParse);
            faults = FaultPlan.Parse(_options.Faults);
        }
        catch (FormatException e)
        {
            throw new LoadTestException(e.Message, e);
        }

        var (faces, segmentation) = LoadImages(tasks);
        var warnings = new List<string>();
        using var client = new ServingClient(_options.Endpoint, new ServingClientOptions
        {
            ApiKey = _options.ApiKey,
            MaxAttempts = _options.Attempts,
            Random = new Random(_options.Seed),
            TimeProvider = _time,
        });

        var status = await TryGetStatusAsync(client, warnings, cancellationToken).ConfigureAwait(false);
        var slos = ParseSlo(status, warnings);
        var qualities = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var variant in status?.Tasks.SelectMany(t => t.Variants) ?? [])
        {
            qualities.TryAdd(variant.Name, variant.Quality);
        }

        Dictionary<string, ModelInferRequest> infer = [];
        if (tasks.Entries.Any(e => e.Item == TaskKind.Infer && e.Weight > 0))
        {
            ModelMetadataResponse? metadata = null;
            try
            {
                metadata = await client.GetModelMetadataAsync(_options.InferModel, new ServingCallOptions { Deadline = TimeSpan.FromSeconds(5), CancellationToken = cancellationToken }).ConfigureAwait(false);
            }
            catch (RpcException e)
            {
                warnings.Add($"ModelMetadata({_options.InferModel}) failed ({e.StatusCode}: {e.Status.Detail}); infer sends FP32 [1,3,112,112] 'input'.");
            }

            infer = RequestPlanner.BuildInferRequests(_options.InferModel, metadata, slos.Entries.Select(e => e.Item), _options.Seed);
        }

        var planner = new RequestPlanner(tasks, slos, faces, segmentation, infer);
        using var metrics = new LoadTestMetrics();
        await using var listener = await StartMetricsAsync(cancellationToken).ConfigureAwait(false);
        metrics.Initialize(tasks.Entries.Select(e => e.Item.Name()), slos.Entries.Select(e => e.Item.Name));

        var started = _time.GetUtcNow();
        _startTimestamp = _time.GetTimestamp();
        _total = _options.Warmup + _options.Duration;
        var injector = new FaultInjector(faults, _signals, _time);
        using var stopFaults = new CancellationTokenSource();
        var faultTask = injector.RunAsync(Elapsed, stopFaults.Token);

        if (_options.Concurrency is { } concurrency)
        {
            await RunClosedLoopAsync(client, planner, metrics, concurrency, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await RunOpenLoopAsync(client, planner, metrics, schedule, cancellationToken).ConfigureAwait(false);
        }

        _phase = "done";
        await stopFaults.CancelAsync().ConfigureAwait(false);
        await faultTask.ConfigureAwait(false);

        var run = new RunInfo(
            client.Endpoint.ToString(), started, _options.Concurrency is null ? "open-loop" : "closed-loop",
            _options.Concurrency is null ? schedule.Name : "closed-loop", _options.Rate, _options.Concurrency,
            _options.Duration.TotalSeconds, _options.Warmup.TotalSeconds, _options.MaxRequests, _options.Seed, _options.Mix, _options.Slo,
            status?.Selector ?? "", new Dictionary<string, string> { ["faces"] = faces.Directory, ["segmentation"] = segmentation.Directory });
        return ReportBuilder.Build(run, _collector.Outcomes(), slos.Entries.Select(e => e.Item).ToList(), qualities, _options.Warmup, injector.Events, warnings);
    }

    private TimeSpan Elapsed() => _time.GetElapsedTime(_startTimestamp);

    private async Task RunOpenLoopAsync(ServingClient client, RequestPlanner planner, LoadTestMetrics metrics, IArrivalSchedule schedule, CancellationToken cancellationToken)
    {
        var warmup = _options.Warmup;
        var arrivals = new ConstantSchedule(_options.Rate > 0 ? _options.Rate : 1).Arrivals(warmup).Select(t => (At: t, Measured: false))
            .Concat(schedule.Arrivals(_options.Duration).Select(t => (At: t + warmup, Measured: true)));
        var random = new Random(_options.Seed);
        var pending = new List<Task>();
        long measured = 0;
        foreach (var (at, isMeasured) in arrivals)
        {
            if (cancellationToken.IsCancellationRequested || (isMeasured && measured >= _options.MaxRequests))
            {
                break;
            }

            var wait = at - Elapsed();
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            _phase = isMeasured ? "measuring" : "warm-up";
            measured += isMeasured ? 1 : 0;
            pending.Add(ExecuteAsync(client, planner, metrics, planner.Plan(random), at, isMeasured));
            if (pending.Count >= 1024)
            {
                pending.RemoveAll(t => t.IsCompleted);
            }
        }

        _phase = "draining";
        await Task.WhenAll(pending).ConfigureAwait(false);
    }

    private async Task RunClosedLoopAsync(ServingClient client, RequestPlanner planner, LoadTestMetrics metrics, int concurrency, CancellationToken cancellationToken)
    {
        long measured = 0;
        var end = _options.Warmup + _options.Duration;
        var callers = Enumerable.Range(0, concurrency).Select(i => Task.Run(async () =>
        {
            var random = new Random(_options.Seed + 1 + i);
            while (!cancellationToken.IsCancellationRequested)
            {
                var at = Elapsed();
                if (at >= end)
                {
                    return;
                }

                var isMeasured = at >= _options.Warmup;
                if (isMeasured && Interlocked.Increment(ref measured) > (_options.MaxRequests ?? long.MaxValue))
                {
                    return;
                }

                _phase = isMeasured ? "measuring" : "warm-up";
                await ExecuteAsync(client, planner, metrics, planner.Plan(random), at, isMeasured).ConfigureAwait(false);
            }
        }, CancellationToken.None)).ToList();
        await Task.WhenAll(callers).ConfigureAwait(false);
    }

    private async Task ExecuteAsync(ServingClient client, RequestPlanner planner, LoadTestMetrics metrics, PlannedRequest request, TimeSpan scheduled, bool measured)
    {
        var sent = Elapsed();
        _collector.Started();
        metrics.Started();
        var code = StatusCode.OK;
        var variant = string.Empty;
        var detail = string.Empty;
        try
        {
            variant = await planner.SendAsync(client, request).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            code = e.StatusCode;
            detail = e.Status.Detail;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            code = StatusCode.Unknown;
            detail = e.GetType().Name + ": " + e.Message;
        }

        var latency = Elapsed() - scheduled;
        var outcome = new RequestOutcome(request.Task, request.Slo.Name, scheduled, sent, latency, code, variant,
            code == StatusCode.OK && latency <= request.Slo.Budget, measured, detail);
        _collector.Record(outcome);
        metrics.Record(outcome);
    }

    private (ImageSet Faces, ImageSet Segmentation) LoadImages(WeightedMix<TaskKind> tasks)
    {
        try
        {
            if (_options.ImagesDirectory is { } folder)
            {
                var set = ImageSet.Load(folder);
                return (set, set);
            }

            var data = _options.DataDirectory ?? ImageSet.FindDataDirectory()
                ?? throw new LoadTestException("no images: the dev sets (../shared/data beside the repository, or $SERVING_DATA) were not found; pass --images <dir>.");
            return (ImageSet.Load(Path.Combine(data, "faces", "images")), ImageSet.Load(Path.Combine(data, "segmentation", "person", "images")));
        }
        catch (DirectoryNotFoundException e)
        {
            throw new LoadTestException($"no images: {e.Message}; pass --images <dir>.", e);
        }
        catch (IOException e)
        {
            throw new LoadTestException($"images could not be read: {e.Message}", e);
        }
    }

    private async Task<ClusterStatus?> TryGetStatusAsync(ServingClient client, List<string> warnings, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetStatusAsync(new ServingCallOptions { Deadline = TimeSpan.FromSeconds(5), CancellationToken = cancellationToken }).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            warnings.Add($"GetStatus failed ({e.StatusCode}: {e.Status.Detail}): default SLO budgets, no variant qualities (accuracy-weighted goodput 0).");
            return null;
        }
    }

    private WeightedMix<SloClass> ParseSlo(ClusterStatus? status, List<string> warnings)
    {
        var known = status?.SloClasses.ToDictionary(c => c.Name, c => TimeSpan.FromMilliseconds(c.BudgetMs), StringComparer.Ordinal) ?? [];
        try
        {
            return WeightedMix<SloClass>.Parse(_options.Slo, "--slo", (string name, out SloClass slo) =>
            {
                slo = null!;
                if (known.TryGetValue(name, out var budget) || DefaultBudgets.TryGetValue(name, out budget))
                {
                    if (!known.ContainsKey(name))
                    {
                        warnings.Add(string.Create(CultureInfo.InvariantCulture, $"the router names no SLO class '{name}': using the default budget {budget.TotalMilliseconds} ms."));
                    }

                    slo = new SloClass(name, budget);
                    return true;
                }

                return false;
            });
        }
        catch (FormatException e)
        {
            throw new LoadTestException(e.Message + " Known classes: " + string.Join(", ", known.Keys.Concat(DefaultBudgets.Keys).Distinct()), e);
        }
    }

    private async Task<MetricsListener?> StartMetricsAsync(CancellationToken cancellationToken)
    {
        if (_options.MetricsPort is not { } port)
        {
            return null;
        }

        var collector = new PrometheusCollector(new ServingTelemetryOptions { MeterPrefix = LoadTestMetrics.MeterName });
        var listener = await MetricsListener.StartAsync(collector, new IPEndPoint(IPAddress.Any, port), cancellationToken: cancellationToken).ConfigureAwait(false);
        MetricsUri = listener.MetricsUri;
        return listener;
    }
}

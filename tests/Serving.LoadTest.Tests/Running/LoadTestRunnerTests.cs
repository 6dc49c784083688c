using System.Net.Http;
using Serving.Grpc;
using Serving.LoadTest.Reporting;
using Serving.Testing.Fakes;

namespace Serving.LoadTest.Tests.Running;

public sealed class LoadTestRunnerTests : IAsyncLifetime, IDisposable
{
    private readonly string _images = Path.Combine(Path.GetTempPath(), $"loadtest-images-{Guid.NewGuid():N}");
    private FakeRouter _router = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_images);
        // The fake router never decodes images: any bytes do.
        File.WriteAllBytes(Path.Combine(_images, "a.jpg"), [0xFF, 0xD8, 1]);
        File.WriteAllBytes(Path.Combine(_images, "b.png"), [0x89, 0x50, 2]);
        _router = await FakeRouter.StartAsync();
    }

    public async Task DisposeAsync() => await _router.DisposeAsync();

    public void Dispose() => Directory.Delete(_images, recursive: true);

    private static bool IsTask(ReceivedCall call) => call.Method is not ("GetStatus" or "ModelMetadata");

    [Fact]
    public async Task OpenLoop_ServerStalls_QueuedRequestsCountFromTheirScheduledTime()
    {
        var time = new ManualTimeProvider();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var allArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arrived = 0;
        _router.Behaviour = async call =>
        {
            if (!IsTask(call))
            {
                return;
            }

            var n = Interlocked.Increment(ref arrived);
            firstArrived.TrySetResult();
            if (n == 10)
            {
                allArrived.TrySetResult();
            }

            await release.Task;
        };
        var runner = new LoadTestRunner(new LoadTestOptions
        {
            Endpoint = _router.Endpoint, Duration = TimeSpan.FromSeconds(1), Rate = 10, Mix = "embed=1", Slo = "batch=1", ImagesDirectory = _images,
        }, time);

        var run = runner.RunAsync();
        await firstArrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        // The dispatcher is late for every later arrival (the clock jumps a whole second) and the
        // server answers nothing: both stalls must show in the latencies.
        time.Advance(TimeSpan.FromSeconds(1));
        await allArrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromMilliseconds(500));
        release.SetResult();
        var report = await run.WaitAsync(TimeSpan.FromSeconds(20));

        // Scheduled at 0, 0.1, ..., 0.9 s and all answered at 1.5 s: latencies 1.5 .. 0.6 s.
        Assert.Equal(10, report.Totals.Ok);
        Assert.Equal(10, report.Latency.Count);
        Assert.InRange(report.Latency.MaxMs, 1485, 1515);
        Assert.InRange(report.Latency.P50Ms, 990, 1010);
        Assert.InRange(report.Latency.MeanMs, 1045, 1055);
        Assert.Equal(10, report.Totals.InSlo);
    }

    [Fact]
    public async Task OpenLoop_ShortRun_AnswersEveryTaskAndReportsAttainmentAndVariants()
    {
        // Budgets far above any scheduling hiccup of a loaded machine: this test is about accounting.
        _router.Status.SloClasses.Single(c => c.Name == "interactive").BudgetMs = 20_000;
        _router.Status.SloClasses.Single(c => c.Name == "batch").BudgetMs = 30_000;
        _router.Variant = call => call.Options?.SloClass == "interactive" ? "fake-light" : "fake-heavy";
        _router.Behaviour = call => call.Method == "Detect" ? throw new RpcException(new Status(StatusCode.ResourceExhausted, "slo_unattainable")) : Task.CompletedTask;
        var runner = new LoadTestRunner(new LoadTestOptions
        {
            Endpoint = _router.Endpoint, Duration = TimeSpan.FromSeconds(30), Rate = 200, MaxRequests = 40, Seed = 3,
            Mix = "verify=1,embed=1,detect=1,segment=1,infer=1", Slo = "interactive=1,batch=1", ImagesDirectory = _images,
        });

        var report = await runner.RunAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(40, report.Totals.Sent);
        Assert.Equal(["detect", "embed", "infer", "segment", "verify"], report.Tasks.Select(t => t.Task).Order());
        var detect = report.Tasks.Single(t => t.Task == "detect");
        Assert.Equal(0, detect.Ok);
        Assert.Equal(detect.Sent, report.Codes["ResourceExhausted"]);
        Assert.Equal(40 - detect.Sent, report.Codes["OK"]);
        Assert.Equal(report.Totals.Ok, report.Totals.InSlo);
        Assert.Equal((double)report.Totals.InSlo / 40, report.Totals.Attainment, 9);
        Assert.Equal([20_000.0, 30_000.0], report.SloClasses.Select(c => c.BudgetMs));
        // Task answers name their variant; the fake's infer answer names the model (task alias).
        Assert.Contains(report.Variants, v => v.Variant == "fake-light" && v.Quality == 0.9);
        Assert.Contains(report.Variants, v => v.Variant == "face-embedding" && v.Quality is null);
        var expectedWeighted = report.Variants.Sum(v => v.Count * (v.Quality ?? 0)) / report.Totals.WindowSeconds;
        Assert.Equal(expectedWeighted, report.Totals.AccuracyWeightedGoodput, 6);
        Assert.Contains(report.Warnings, w => w.Contains("ModelMetadata", StringComparison.Ordinal));
        Assert.Equal(40, _router.Calls.Count(IsTask));
    }

    [Fact]
    public async Task OpenLoop_SameSeed_SendsTheSameRequests()
    {
        async Task<string[]> RunOnceAsync()
        {
            await using var router = await FakeRouter.StartAsync();
            var runner = new LoadTestRunner(new LoadTestOptions
            {
                Endpoint = router.Endpoint, Rate = 500, MaxRequests = 25, Seed = 9, Mix = "verify=1,embed=1,segment=1", Slo = "interactive=1,batch=2", ImagesDirectory = _images,
            });
            await runner.RunAsync().WaitAsync(TimeSpan.FromSeconds(30));
            return router.Calls.Where(IsTask).OrderBy(c => c.Sequence).Select(c => c.Method + "/" + c.Options?.SloClass).ToArray();
        }

        var first = await RunOnceAsync();
        var second = await RunOnceAsync();

        Assert.Equal(25, first.Length);
        Assert.Equal(first.Order(), second.Order());
    }

    [Fact]
    public async Task ClosedLoop_Concurrency_NeverExceedsItsCallers()
    {
        var inFlight = 0;
        var peak = 0;
        _router.Behaviour = async call =>
        {
            if (!IsTask(call))
            {
                return;
            }

            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref peak, now);
            await Task.Yield();
            Interlocked.Decrement(ref inFlight);
        };
        var runner = new LoadTestRunner(new LoadTestOptions
        {
            Endpoint = _router.Endpoint, Concurrency = 3, MaxRequests = 30, Mix = "embed=1", Slo = "batch=1", ImagesDirectory = _images,
        });

        var report = await runner.RunAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("closed-loop", report.Run.Mode);
        Assert.Equal(30, report.Totals.Sent);
        Assert.InRange(peak, 1, 3);
    }

    [Fact]
    public async Task MetricsPort_ServesLoadTestMetricsDuringTheRun()
    {
        var port = FreePort.Next();
        string? scraped = null;
        LoadTestRunner? runner = null;
        _router.Status.SloClasses.Single(c => c.Name == "batch").BudgetMs = 30_000;
        _router.Behaviour = async call =>
        {
            if (IsTask(call) && call.Sequence == 8)
            {
                // Sync point: the six requests before this one have been recorded (bounded spin, no sleep).
                Assert.True(SpinWait.SpinUntil(() => runner!.Progress.Completed >= 6, TimeSpan.FromSeconds(10)));
                using var http = new HttpClient();
                scraped = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
            }
        };
        runner = new LoadTestRunner(new LoadTestOptions
        {
            Endpoint = _router.Endpoint, Rate = 100, MaxRequests = 10, Mix = "embed=1", Slo = "batch=1", ImagesDirectory = _images, MetricsPort = port,
        });

        await runner.RunAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.NotNull(scraped);
        Assert.Contains("serving_loadtest_requests_total{", scraped, StringComparison.Ordinal);
        Assert.Contains("code=\"OK\"", scraped, StringComparison.Ordinal);
        Assert.Contains("serving_loadtest_latency_seconds_bucket{", scraped, StringComparison.Ordinal);
        Assert.Contains("serving_loadtest_slo_attained_total{", scraped, StringComparison.Ordinal);
        Assert.Contains("serving_loadtest_served_total{", scraped, StringComparison.Ordinal);
        Assert.Contains("serving_loadtest_in_flight", scraped, StringComparison.Ordinal);
        // Every load-tester series the chart's load-test dashboard reads (helm/serving/metrics.txt).
        var families = scraped.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]).ToHashSet(StringComparer.Ordinal);
        Assert.All(ChartLoadTestMetrics(), name => Assert.Contains(name, families));
    }

    private static string[] ChartLoadTestMetrics()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var list = Path.Combine(directory.FullName, "helm", "serving", "metrics.txt");
            if (File.Exists(list))
            {
                return File.ReadAllLines(list).Select(l => l.Trim()).Where(l => l.StartsWith("serving_loadtest_", StringComparison.Ordinal)).ToArray();
            }
        }

        throw new InvalidOperationException("helm/serving/metrics.txt not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public async Task Run_RouterDown_AllUnavailableAndStatusWarning()
    {
        var port = FreePort.Next();
        var runner = new LoadTestRunner(new LoadTestOptions
        {
            Endpoint = $"127.0.0.1:{port}", Rate = 100, MaxRequests = 5, Mix = "embed=1", Slo = "interactive=1", ImagesDirectory = _images,
        });

        var report = await runner.RunAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(5, report.Codes["Unavailable"]);
        Assert.Equal(0, report.Totals.Attainment);
        Assert.Contains(report.Warnings, w => w.StartsWith("GetStatus failed (Unavailable", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("embed=1", "warp=1", "--slo: unknown name 'warp'")]
    [InlineData("fly=1", "batch=1", "--mix: unknown name 'fly'")]
    public async Task Run_BadMix_FailsBeforeSending(string mix, string slo, string expected)
    {
        var runner = new LoadTestRunner(new LoadTestOptions { Endpoint = _router.Endpoint, Mix = mix, Slo = slo, ImagesDirectory = _images });

        var error = await Assert.ThrowsAsync<LoadTestException>(() => runner.RunAsync());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_router.Calls, IsTask);
    }

    [Fact]
    public async Task Run_MissingImageFolder_SaysPassImages()
    {
        var runner = new LoadTestRunner(new LoadTestOptions { Endpoint = _router.Endpoint, ImagesDirectory = Path.Combine(_images, "nope") });

        var error = await Assert.ThrowsAsync<LoadTestException>(() => runner.RunAsync());

        Assert.Contains("--images", error.Message, StringComparison.Ordinal);
    }

    [DevDataFact]
    public async Task Run_DefaultImages_AreTheDevSets()
    {
        var runner = new LoadTestRunner(new LoadTestOptions { Endpoint = _router.Endpoint, Rate = 100, MaxRequests = 4, Mix = "verify=1,segment=1", Slo = "batch=1" });

        var report = await runner.RunAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.EndsWith(Path.Combine("faces", "images"), report.Run.Images["faces"], StringComparison.Ordinal);
        Assert.EndsWith(Path.Combine("segmentation", "person", "images"), report.Run.Images["segmentation"], StringComparison.Ordinal);
        Assert.Equal(4, report.Totals.Ok);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}

/// <summary>A fact that needs the dev sets (../shared/data) and is skipped, saying so, when they are missing.</summary>
public sealed class DevDataFactAttribute : FactAttribute
{
    public DevDataFactAttribute()
    {
        if (Serving.LoadTest.Workload.ImageSet.FindDataDirectory() is null)
        {
            Skip = "the dev sets (../shared/data beside the repository, or $SERVING_DATA) are not on this machine";
        }
    }
}

using Serving.Protocol;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Google.Protobuf;
using Grpc.Health.V1;
using Serving.Grpc;
using Serving.Grpc.Health;
using Serving.Models.Onnx;
using Serving.Protocol.Inference;
using Serving.Protocol.V1;
using Serving.Worker.Repository;
using Serving.Worker.Service;
using Serving.Worker.Tests.Infrastructure;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Serving.Worker.Tests.Cli;

/// <summary>
/// The real <c>serving worker</c> as a child process: SIGTERM drains every accepted request, refuses
/// new ones with UNAVAILABLE and exits 0 within the grace period.
/// </summary>
public sealed class WorkerProcessTests : IDisposable
{
    private const string Model = "drain_loop";
    private const int Size = 256;
    private const int Rows = 16;
    private const int Requests = 6;
    /// <summary>Loop iterations of the first request: long enough (about a second here) that the others queue behind it.</summary>
    private const long BlockerSteps = 40_000;
    private const int GracePeriodSeconds = 10;
    private static readonly TimeSpan SafetyTimeout = TimeSpan.FromSeconds(60);

    private readonly TestRepository _repository = new();
    private readonly StringBuilder _log = new();
    private readonly List<string> _cleanup = [];
    private Process? _worker;

    [Fact]
    public async Task Sigterm_WithQueuedRequests_DrainsThemRefusesNewOnesAndExitsZero()
    {
        AddLoopModel();
        var port = FreePort.Next();
        StartWorker(port);
        using var channel = GrpcChannel.ForAddress(new Uri($"http://127.0.0.1:{port}"));
        await WaitForHealthAsync(channel, ServingStatus.Serving);
        Log("[test] serving");

        using var watchCancel = new CancellationTokenSource(SafetyTimeout);
        var watchChannel = GrpcChannel.ForAddress(new Uri($"http://127.0.0.1:{port}"));
        using var watch = watchChannel.CallInvoker.ServerStreaming(WorkerControlMethods.WatchLoad, new WatchLoadRequest { Subscriber = "drain-test", IntervalMs = 20 }, new CallOptions(CancellationToken: watchCancel.Token));

        // The slow request first, and only once it executes the fast ones, so they all queue behind it.
        var calls = new List<Task<ModelInferResponse>> { Infer(channel, BlockerSteps) };
        await WaitForLoadAsync(watch.ResponseStream, (queued, inFlight) => inFlight == 1, watchCancel.Token);
        Log("[test] blocker executing");
        calls.AddRange(Enumerable.Range(1, Requests - 1).Select(_ => Infer(channel, 1)));
        await WaitForLoadAsync(watch.ResponseStream, (queued, inFlight) => queued + inFlight == Requests, watchCancel.Token);
        // A streaming call would hold the server's shutdown open: end it before the signal.
        await watchCancel.CancelAsync();
        watchChannel.Dispose();
        Log("[test] all accepted");

        var signalled = DateTime.Now;
        await SendSigtermAsync(_worker!.Id);
        await WaitForHealthAsync(channel, ServingStatus.NotServing);
        Log("[test] not serving");
        var refused = await Assert.ThrowsAsync<RpcException>(() => Infer(channel, 1));
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);

        var responses = await Task.WhenAll(calls).WaitAsync(SafetyTimeout);
        Assert.All(responses, response =>
        {
            var output = Assert.Single(response.Outputs);
            Assert.Equal("y", output.Name);
            Assert.Equal([Rows, Size], output.Shape);
            Assert.Equal(Rows * Size * sizeof(float), response.RawOutputContents[0].Length);
        });

        using var exit = new CancellationTokenSource(SafetyTimeout);
        try
        {
            await _worker.WaitForExitAsync(exit.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the worker did not exit within its {GracePeriodSeconds} s grace period:\n{LogText()}");
        }

        Assert.True(_worker.ExitCode == 0, $"exit code {_worker.ExitCode}:\n{LogText()}");
        Assert.True(_worker.ExitTime - signalled < TimeSpan.FromSeconds(GracePeriodSeconds), $"exited at {_worker.ExitTime:HH:mm:ss.fff}, signalled {signalled:HH:mm:ss.fff}:\n{LogText()}");
    }

    /// <summary>
    /// Started from a large folder tree (as from <c>/</c> or a home folder), the worker does not watch it:
    /// ASP.NET Core's default host watches its content root, the working directory, for appsettings
    /// changes, recursively, with one inotify watch per folder.
    /// </summary>
    [Fact]
    public async Task StartedInsideALargeFolderTree_DoesNotWatchIt()
    {
        const int Folders = 200;
        var tree = Path.Combine(_repository.Path, "..", Path.GetFileName(_repository.Path) + "-cwd");
        _cleanup.Add(tree);
        for (var i = 0; i < Folders; i++)
        {
            Directory.CreateDirectory(Path.Combine(tree, $"a{i % 10}", $"b{i}"));
        }

        AddLoopModel();
        var port = FreePort.Next();
        StartWorker(port, workingDirectory: tree);
        using var channel = GrpcChannel.ForAddress(new Uri($"http://127.0.0.1:{port}"));
        await WaitForHealthAsync(channel, ServingStatus.Serving);

        var watches = InotifyWatches(_worker!.Id);
        Assert.True(watches < Folders / 2, $"the worker holds {watches} inotify watches, started in a tree of {Folders + 10} folders:\n{LogText()}");
    }

    /// <summary>Inotify watches a process holds: one <c>inotify wd:</c> line per watch in the fdinfo of its inotify descriptors.</summary>
    private static int InotifyWatches(int pid)
    {
        var count = 0;
        foreach (var info in Directory.EnumerateFiles($"/proc/{pid}/fdinfo"))
        {
            try
            {
                count += File.ReadLines(info).Count(line => line.StartsWith("inotify wd:", StringComparison.Ordinal));
            }
            catch (IOException)
            {
                // The descriptor closed meanwhile.
            }
        }

        return count;
    }

    public void Dispose()
    {
        if (_worker is not null)
        {
            try
            {
                if (!_worker.HasExited)
                {
                    _worker.Kill(entireProcessTree: true);
                    _worker.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            _worker.Dispose();
        }

        foreach (var folder in _cleanup)
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // Best effort.
            }
        }

        _repository.Dispose();
    }

    /// <summary>
    /// The CLI the solution build produced beside this project: src/Serving.Cli/bin/&lt;Configuration&gt;/net10.0/serving.dll,
    /// with the configuration this test assembly was built in (the test project references the CLI project, so it is built too).
    /// </summary>
    private static string LocateCli()
    {
        var configuration = typeof(WorkerProcessTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Serving.sln")))
            {
                var dll = Path.Combine(directory.FullName, "src", "Serving.Cli", "bin", configuration, "net10.0", "serving.dll");
                Assert.True(File.Exists(dll), $"{dll} is missing: build src/Serving.Cli -c {configuration} (dotnet build of this test project does).");
                return dll;
            }
        }

        Assert.Fail($"no Serving.sln above {AppContext.BaseDirectory}");
        return "";
    }

    private void StartWorker(int port, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo("dotnet",
        [
            LocateCli(), "worker",
            "--repository", _repository.Path,
            "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--metrics-port", "0",
            "--threads", "1",
            "--grace-period", GracePeriodSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? "",
        };
        _worker = new Process { StartInfo = start };
        _worker.OutputDataReceived += (_, e) => Log(e.Data);
        _worker.ErrorDataReceived += (_, e) => Log(e.Data);
        _worker.Start();
        _worker.BeginOutputReadLine();
        _worker.BeginErrorReadLine();
    }

    /// <summary>Polls grpc.health.v1 Check on another process until it reports <paramref name="expected"/>; the deadline is only a safety net.</summary>
    private async Task WaitForHealthAsync(GrpcChannel channel, ServingStatus expected)
    {
        var deadline = Stopwatch.StartNew();
        var last = "no answer yet";
        while (deadline.Elapsed < SafetyTimeout)
        {
            if (_worker!.HasExited)
            {
                Assert.Fail($"the worker exited with {_worker.ExitCode} at {_worker.ExitTime:HH:mm:ss.fff} while waiting for {expected}:\n{LogText()}");
            }

            try
            {
                var response = await channel.CallInvoker.UnaryAsync(HealthMethods.Check, new HealthCheckRequest(), CallOptions.WithTimeout(TimeSpan.FromSeconds(5))).ResponseAsync;
                if (response.Status == expected || (expected != ServingStatus.Serving && response.Status != ServingStatus.Serving))
                {
                    return;
                }

                last = response.Status.ToString();
                Log("[test] health " + last);
            }
            catch (RpcException e) when (expected != ServingStatus.Serving && e.StatusCode == StatusCode.Unavailable)
            {
                // The listener closes at SIGTERM: refused connections mean the worker stopped serving.
                return;
            }
            catch (RpcException e)
            {
                last = e.Status.ToString();
                Log("[test] health " + last);
            }

            // Waiting on another process's start-up or signal handling: a short pause between polls.
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        Assert.Fail($"health did not become {expected} within {SafetyTimeout} (last: {last}):\n{LogText()}");
    }

    private static async Task WaitForLoadAsync(IAsyncStreamReader<LoadReport> reports, Func<long, long, bool> condition, CancellationToken cancellationToken)
    {
        while (await reports.MoveNext(cancellationToken))
        {
            if (reports.Current.Models.SingleOrDefault(m => m.ModelName == Model) is { } load
                && condition(load.QueueLengthPerPriority.Sum(q => (long)q), load.InFlightBatches))
            {
                return;
            }
        }

        Assert.Fail("WatchLoad ended before the expected load was reported");
    }

    private static Task<ModelInferResponse> Infer(GrpcChannel channel, long steps)
    {
        var request = new ModelInferRequest { ModelName = Model };
        var stepsInput = new ModelInferRequest.Types.InferInputTensor { Name = "steps", Datatype = "INT64" };
        stepsInput.Shape.Add(1);
        var x = new ModelInferRequest.Types.InferInputTensor { Name = "x", Datatype = "FP32" };
        x.Shape.AddRange([Rows, Size]);
        request.Inputs.Add(stepsInput);
        request.Inputs.Add(x);
        request.RawInputContents.Add(ByteString.CopyFrom(BitConverter.GetBytes(steps)));
        var values = Enumerable.Range(0, Rows * Size).Select(i => (i % 7) / 7f).ToArray();
        request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())));
        return channel.CallInvoker.UnaryAsync(InferenceMethods.ModelInfer, request, CallOptions.WithTimeout(SafetyTimeout)).ResponseAsync;
    }

    /// <summary>
    /// y = Tanh(...Tanh(x W)... W) through an ONNX Loop of <c>steps</c> iterations, so a request's run
    /// time is its own choice: steps INT64 [1], x FP32 [16, 256] -> y FP32 [16, 256]; unbatched.
    /// </summary>
    private void AddLoopModel()
    {
        var body = new GraphBuilder("body");
        body.Input("i", OnnxDataType.Int64);
        var condIn = body.Input("cond_in", OnnxDataType.Bool);
        var xIn = body.Input("x_in", OnnxDataType.Float, Rows, Size);
        body.AddNode("Tanh", [body.MatMul(xIn, "W")], ["x_out"]);
        body.AddNode("Identity", [condIn], ["cond_out"]);
        body.Output("cond_out", OnnxDataType.Bool);
        body.Output("x_out", OnnxDataType.Float, Rows, Size);

        var random = new Random(11);
        var g = new GraphBuilder(Model);
        var steps = g.Input("steps", OnnxDataType.Int64, 1);
        var x = g.Input("x", OnnxDataType.Float, Rows, Size);
        g.Initializer(Tensors.Float("W", [Size, Size], Enumerable.Range(0, Size * Size).Select(_ => (float)(random.NextDouble() - 0.5) * 0.1f).ToArray()));
        var trips = g.Node("Reshape", [steps, g.Int64s("scalar")]);
        g.AddNode("Loop", [trips, "", x], ["y"], Attr.Graph("body", body.Graph));
        g.Output("y", OnnxDataType.Float, Rows, Size);

        var directory = Path.Combine(_repository.Path, Model, "1");
        Directory.CreateDirectory(directory);
        OnnxModel.Create(g).Save(Path.Combine(directory, "model.onnx"));
        _repository.WriteConfig(new ModelConfiguration
        {
            Name = Model,
            MaxBatchSize = 0,
            Inputs =
            [
                new TensorConfiguration { Name = "steps", Datatype = "INT64", Dims = [1] },
                new TensorConfiguration { Name = "x", Datatype = "FP32", Dims = [Rows, Size] },
            ],
            Outputs = [new TensorConfiguration { Name = "y", Datatype = "FP32", Dims = [Rows, Size] }],
        });
    }

    /// <summary>What Kubernetes and <c>docker stop</c> send: <c>kill -TERM</c>, through the system's kill(1).</summary>
    private static async Task SendSigtermAsync(int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))!;
        await kill.WaitForExitAsync().WaitAsync(SafetyTimeout);
        Assert.Equal(0, kill.ExitCode);
    }

    private void Log(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(DateTime.Now.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture) + " " + line);
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

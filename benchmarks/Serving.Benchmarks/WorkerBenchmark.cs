using Serving.Protocol;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serving.Grpc;
using Serving.Models.Onnx;
using Serving.Models.Zoo;
using Serving.OnnxRuntime;
using Serving.Protocol.Inference;
using Serving.Worker.Inference;
using Serving.Worker.Repository;
using Serving.Worker.Repository.Tools;
using Serving.Worker.Service;

using Serving.Router;
using static Serving.Benchmarks.BenchmarkArgs;

namespace Serving.Benchmarks;

/// <summary>
/// The worker under load (issue 3, section 6): a Kestrel worker on loopback (h2c) in this process,
/// called through our gRPC client with <c>ModelInfer</c>.
/// </summary>
/// <remarks>
/// Two parts, each a closed loop with modes in alternating (ABBA) slices so that background load on a
/// shared machine hits every mode alike:
/// <list type="number">
/// <item><c>face</c>: the real face embedding model (<c>fr_feature</c> of the default repository, unbatched,
/// its configured instance count) through gRPC versus the binding called in-process (one session with
/// the worker's session options, as many blocking callers of <c>InferenceSession.Run</c> as the
/// concurrency), at each concurrency. The ratio gRPC/in-process is the cost of serving.</item>
/// <item><c>batching</c>: a batchable zoo model (default <c>dpn68_face</c>, 112x112, seeded weights) served
/// twice by the same worker, once with dynamic batching and once with max_batch_size 1, at one concurrency.
/// The mean batch size comes from ModelStatistics (inferences / executions).</item>
/// <item><c>router</c>: fr_feature end to end through a router and a worker (v2 by task alias) versus
/// in-process: issue 7's serving overhead.</item>
/// </list>
/// Client and worker share the process and so the cores: the gRPC figures include the client's cost.
/// Options: <c>--part face|batching|router|all</c> (or a list: <c>face,router</c>), <c>--duration S</c> per mode and concurrency for face (default 15),
/// <c>--batch-duration S</c> per mode for batching (default 40), <c>--warmup S</c> (default 2),
/// <c>--rounds N</c> alternating slices (default 6), <c>--concurrency 1,8,32</c>, <c>--threads N</c> intra-op
/// threads for face (default 1, as the worker's <c>--threads</c>), <c>--device cpu|cuda[:id]</c> for face and router
/// (the worker's <c>--device</c>, the in-process session the same), <c>--batch-model NAME</c>,
/// <c>--batch-concurrency N</c> (default 32), <c>--batch-threads N</c> (default 2), <c>--max-queue-delay-us N</c>
/// (default 2000), <c>--preferred 8,16</c>, <c>--max-batch N</c> (default 32).
/// </remarks>
internal static class WorkerBenchmark
{
    private const string FaceModel = "fr_feature";
    private const int EmbeddingBytes = 512 * sizeof(float);
    private static readonly long[] FaceShape = [1, 3, 112, 112];

    public static async Task<int> RunAsync(string[] args)
    {
        var parts = Option(args, "--part", "all").Split(',', StringSplitOptions.TrimEntries);
        bool Runs(string name) => parts.Contains(name) || parts.Contains("all");
        Console.WriteLine($"Worker benchmark: {Environment.ProcessorCount} cores, ONNX Runtime {OrtEnvironment.Instance.RuntimeVersion}, load average before: {LoadAverage()}");
        if (Runs("face"))
        {
            var code = await RunFaceAsync(args);
            if (code != 0)
            {
                return code;
            }
        }

        if (Runs("batching"))
        {
            await RunBatchingAsync(args);
        }

        if (Runs("router"))
        {
            var code = await RunRouterAsync(args);
            if (code != 0)
            {
                return code;
            }
        }

        Console.WriteLine();
        Console.WriteLine($"Load average after: {LoadAverage()}");
        return 0;
    }

    /// <summary>Part (a): fr_feature through the worker versus the binding in-process.</summary>
    private static async Task<int> RunFaceAsync(string[] args)
    {
        var duration = Seconds(args, "--duration", "15");
        var warmup = Seconds(args, "--warmup", "2");
        var rounds = Int(args, "--rounds", "6");
        var threads = Int(args, "--threads", "1");
        var device = Option(args, "--device", "cpu");
        var concurrencies = Option(args, "--concurrency", "1,8,32").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();

        var source = DefaultRepository.DefaultPath;
        if (!DefaultRepository.Exists(source))
        {
            if (!File.Exists(Path.Combine(DefaultRepository.FaceModelsPath, "fr_feature.onnx")))
            {
                Console.Error.WriteLine($"No default repository at {source} and no face models: run scripts/setup.sh models first.");
                return 1;
            }

            DefaultRepository.Build(source, TextWriter.Null);
        }

        // Only fr_feature, as configured in the default repository (the others would load for nothing).
        using var repository = new TempRepository();
        CopyDirectory(Path.Combine(source, FaceModel), Path.Combine(repository.Path, FaceModel));
        var config = ModelConfigurationSerializer.Parse(File.ReadAllText(Path.Combine(repository.Path, FaceModel, ModelRepositoryScanner.ConfigFileName)), out _)
            ?? throw new InvalidOperationException("fr_feature has no valid config.json");

        var input = RandomImage(seed: 1234);
        var request = new ModelInferRequest { ModelName = FaceModel };
        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32" };
        tensor.Shape.AddRange(FaceShape);
        request.Inputs.Add(tensor);
        request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(input.AsSpan())));

        // The worker's session options: intra-op threads from --threads, the device from --device, everything else default.
        using var session = InferenceSession.Create(Path.Combine(repository.Path, FaceModel, "1", ModelRepositoryScanner.ModelFileName), ModelManager.SessionOptionsFor(threads, device));
        NamedTensor[] inputs = [NamedTensor.Create<float>("input", FaceShape, input)];

        await using var worker = await Worker.StartAsync(repository.Path, threads, [FaceModel], device);
        using var channel = GrpcChannel.ForAddress(worker.Address);
        var invoker = channel.CallInvoker;

        await CompareWithInProcessAsync(
            invoker, request, session, inputs, "gRPC worker", concurrencies, warmup, duration, rounds,
            $"(a) Face embedding fr_feature [1,3,112,112] -> [1,512], unbatched, instance_group count {config.InstanceGroup.Count}, intra-op threads {threads}, device {device}; worker");
        return 0;
    }

    /// <summary>
    /// Checks that <paramref name="request"/> served remotely and <paramref name="inputs"/> run
    /// in-process compute the same embedding, then compares their closed-loop throughput and latency
    /// at each concurrency in alternating slices, printing one Markdown table.
    /// </summary>
    private static async Task CompareWithInProcessAsync(
        CallInvoker invoker, ModelInferRequest request, InferenceSession session, NamedTensor[] inputs, string servedLabel,
        int[] concurrencies, TimeSpan warmup, TimeSpan duration, int rounds, string description)
    {
        var served = await invoker.UnaryAsync(InferenceMethods.ModelInfer, request);
        using (var direct = session.Run(inputs))
        {
            var difference = MaxDifference(MemoryMarshal.Cast<byte, float>(served.RawOutputContents[0].Span), direct[0].GetSpan<float>());
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{description} vs in-process max |difference| {difference:G3}."));
        }

        var remote = new ClosedLoop(async () =>
        {
            var response = await invoker.UnaryAsync(InferenceMethods.ModelInfer, request);
            if (response.RawOutputContents[0].Length != EmbeddingBytes)
            {
                throw new InvalidOperationException($"ModelInfer returned {response.RawOutputContents[0].Length} bytes.");
            }
        }, blocking: false);
        var local = new ClosedLoop(() =>
        {
            using var result = session.Run(inputs);
            return ValueTask.CompletedTask;
        }, blocking: true);

        Console.WriteLine($"{warmup.TotalSeconds:0.#} s warm-up + {duration.TotalSeconds:0.#} s per mode and concurrency in {rounds} alternating slices; everything shares this process and its cores (CPU is per call, all of it).");
        Console.WriteLine();
        Console.WriteLine($"| concurrency | in-process req/s | {servedLabel} req/s | ratio | median slice-pair ratio (min-max) | in-process p50 / p99 (ms) | {servedLabel} p50 / p99 (ms) | added p50 (ms) | in-process / {servedLabel} CPU ms per call (kernel's part) | GC pause µs / gen0 GCs per 1,000 calls | context switches / thread-pool items per call | load avg |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var concurrency in concurrencies)
        {
            await local.RunAsync(concurrency, warmup, latencies: null);
            await remote.RunAsync(concurrency, warmup, latencies: null);
            var (l, r, ratios) = await AlternateAsync(local, remote, concurrency, duration, rounds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {concurrency} | {l.Rps:0.0} | {r.Rps:0.0} | {r.Rps / l.Rps:0.00} | {ratios[ratios.Length / 2]:0.00} ({ratios[0]:0.00}-{ratios[^1]:0.00}) | {l.P50:0.00} / {l.P99:0.00} | {r.P50:0.00} / {r.P99:0.00} | {r.P50 - l.P50:0.00} | {l.CpuMicros / 1000:0.00} ({l.KernelMicros / 1000:0.00}) / {r.CpuMicros / 1000:0.00} ({r.KernelMicros / 1000:0.00}) | {l.GcPauseMicros:0} / {l.CollectionsPerThousand:0.0}, {r.GcPauseMicros:0} / {r.CollectionsPerThousand:0.0} | {l.Switches:0.0} / {l.WorkItems:0.0}, {r.Switches:0.0} / {r.WorkItems:0.0} | {LoadAverage()} |"));
        }
    }

    /// <summary>Part (b): one batchable model served with dynamic batching and with max_batch_size 1.</summary>
    /// <summary>
    /// Part (c), issue 7's serving overhead: fr_feature end to end through a router and a worker
    /// (v2 ModelInfer by the task alias <c>face-embedding</c>, so selection, dispatch and the worker
    /// hop are all paid) versus the binding called in-process with the same model and session options.
    /// </summary>
    private static async Task<int> RunRouterAsync(string[] args)
    {
        var duration = Seconds(args, "--duration", "15");
        var warmup = Seconds(args, "--warmup", "2");
        var rounds = Int(args, "--rounds", "6");
        var threads = Int(args, "--threads", "1");
        var device = Option(args, "--device", "cpu");
        var concurrencies = Option(args, "--concurrency", "1,8").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
        var source = DefaultRepository.DefaultPath;
        if (!DefaultRepository.Exists(source))
        {
            DefaultRepository.Build(source, TextWriter.Null);
        }

        using var repository = new TempRepository();
        CopyDirectory(Path.Combine(source, FaceModel), Path.Combine(repository.Path, FaceModel));
        var input = RandomImage(seed: 1234);
        var request = new ModelInferRequest { ModelName = "face-embedding" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32", Shape = { FaceShape } });
        request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(input.AsSpan())));
        request.Parameters["slo_class"] = new InferParameter { StringParam = "batch" };

        using var session = InferenceSession.Create(Path.Combine(repository.Path, FaceModel, "1", ModelRepositoryScanner.ModelFileName), ModelManager.SessionOptionsFor(threads, device));
        NamedTensor[] inputs = [NamedTensor.Create<float>("input", FaceShape, input)];
        await using var worker = await Worker.StartAsync(repository.Path, threads, [FaceModel], device);
        await using var router = await Router.StartAsync(worker.Address, repository.Path);
        using var channel = GrpcChannel.ForAddress(router.Address);
        var invoker = channel.CallInvoker;

        await CompareWithInProcessAsync(
            invoker, request, session, inputs, "router + worker", concurrencies, warmup, duration, rounds,
            $"(c) Serving overhead: fr_feature through router + worker (v2 by the task alias face-embedding), intra-op threads {threads}, device {device}; routed");
        return 0;
    }

    private static async Task RunBatchingAsync(string[] args)
    {
        var duration = Seconds(args, "--batch-duration", "40");
        var warmup = Seconds(args, "--warmup", "2");
        var rounds = Int(args, "--rounds", "6");
        var threads = Int(args, "--batch-threads", "2");
        var concurrency = Int(args, "--batch-concurrency", "32");
        var zooName = Option(args, "--batch-model", "dpn68_face");
        var delayUs = long.Parse(Option(args, "--max-queue-delay-us", "2000"), CultureInfo.InvariantCulture);
        var preferred = Option(args, "--preferred", "8,16").Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        var maxBatch = Int(args, "--max-batch", "32");

        const string batchedName = "zoo_batched";
        const string singleName = "zoo_single";
        using var repository = new TempRepository();
        var build = Stopwatch.StartNew();
        var model = ModelZoo.Build(zooName, seed: 7);
        foreach (var name in new[] { batchedName, singleName })
        {
            var directory = Path.Combine(repository.Path, name, "1");
            Directory.CreateDirectory(directory);
            model.Save(Path.Combine(directory, ModelRepositoryScanner.ModelFileName));
        }

        WriteConfig(repository.Path, ZooConfig(batchedName, maxBatch, new DynamicBatchingConfiguration { PreferredBatchSize = preferred, MaxQueueDelayUs = delayUs }));
        WriteConfig(repository.Path, ZooConfig(singleName, 1, batching: null));
        build.Stop();

        await using var worker = await Worker.StartAsync(repository.Path, threads, [batchedName, singleName]);
        using var channel = GrpcChannel.ForAddress(worker.Address);
        var invoker = channel.CallInvoker;
        var image = ByteString.CopyFrom(MemoryMarshal.AsBytes(RandomImage(seed: 99).AsSpan()));

        ClosedLoop Loop(string name)
        {
            var request = new ModelInferRequest { ModelName = name };
            var tensor = new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32" };
            tensor.Shape.AddRange(FaceShape);
            request.Inputs.Add(tensor);
            request.RawInputContents.Add(image);
            return new ClosedLoop(async () =>
            {
                var response = await invoker.UnaryAsync(InferenceMethods.ModelInfer, request);
                if (response.RawOutputContents[0].Length != EmbeddingBytes)
                {
                    throw new InvalidOperationException($"ModelInfer returned {response.RawOutputContents[0].Length} bytes.");
                }
            }, blocking: false);
        }

        var single = Loop(singleName);
        var batched = Loop(batchedName);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"(b) {zooName} (ModelZoo seed 7, built in {build.Elapsed.TotalSeconds:0.0} s) [n,3,112,112] -> [n,512], one request = one image, concurrency {concurrency}, instance_group count 1, intra-op threads {threads};"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"dynamic batching: max_batch_size {maxBatch}, preferred [{string.Join(",", preferred)}], max_queue_delay {delayUs} µs; no batching: max_batch_size 1. {warmup.TotalSeconds:0.#} s warm-up + {duration.TotalSeconds:0.#} s per mode in {rounds} alternating slices."));
        Console.WriteLine();
        await single.RunAsync(concurrency, warmup, latencies: null);
        await batched.RunAsync(concurrency, warmup, latencies: null);
        var singleBefore = await StatisticsAsync(invoker, singleName);
        var batchedBefore = await StatisticsAsync(invoker, batchedName);
        var (s, b, ratios) = await AlternateAsync(single, batched, concurrency, duration, rounds);
        var singleAfter = await StatisticsAsync(invoker, singleName);
        var batchedAfter = await StatisticsAsync(invoker, batchedName);

        static double MeanBatch((ulong Inferences, ulong Executions) before, (ulong Inferences, ulong Executions) after) =>
            (double)(after.Inferences - before.Inferences) / Math.Max(1UL, after.Executions - before.Executions);

        Console.WriteLine("| mode | req/s | p50 (ms) | p99 (ms) | mean batch size | CPU ms per request | load avg |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        var load = LoadAverage();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| max_batch_size 1 | {s.Rps:0.0} | {s.P50:0.0} | {s.P99:0.0} | {MeanBatch(singleBefore, singleAfter):0.0} | {s.CpuMicros / 1000:0.00} | {load} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| dynamic batching | {b.Rps:0.0} | {b.P50:0.0} | {b.P99:0.0} | {MeanBatch(batchedBefore, batchedAfter):0.0} | {b.CpuMicros / 1000:0.00} | {load} |"));
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Throughput dynamic batching / max_batch_size 1: {b.Rps / s.Rps:0.00} (median slice pair {ratios[ratios.Length / 2]:0.00}, {ratios[0]:0.00}-{ratios[^1]:0.00}); p99 {b.P99 / s.P99:0.00}x."));
    }

    /// <summary>Both modes over the same slices, ABBA order; returns each mode's totals and the sorted per-pair ratios b/a.</summary>
    private static async Task<(LoadResult A, LoadResult B, double[] Ratios)> AlternateAsync(ClosedLoop a, ClosedLoop b, int concurrency, TimeSpan duration, int rounds)
    {
        var samplesA = new LoadSamples(concurrency);
        var samplesB = new LoadSamples(concurrency);
        var slice = duration / rounds;
        var ratios = new double[rounds];
        for (var round = 0; round < rounds; round++)
        {
            double rpsA, rpsB;
            if (round % 2 == 0)
            {
                rpsA = await samplesA.MeasureAsync(a, slice);
                rpsB = await samplesB.MeasureAsync(b, slice);
            }
            else
            {
                rpsB = await samplesB.MeasureAsync(b, slice);
                rpsA = await samplesA.MeasureAsync(a, slice);
            }

            ratios[round] = rpsB / rpsA;
        }

        Array.Sort(ratios);
        return (samplesA.Summarize(), samplesB.Summarize(), ratios);
    }

    private static ModelConfiguration ZooConfig(string name, int maxBatchSize, DynamicBatchingConfiguration? batching) => new()
    {
        Name = name,
        MaxBatchSize = maxBatchSize,
        Inputs = [new TensorConfiguration { Name = "input", Datatype = "FP32", Dims = [3, 112, 112] }],
        Outputs = [new TensorConfiguration { Name = "embedding", Datatype = "FP32", Dims = [512] }],
        DynamicBatching = batching,
        InstanceGroup = new InstanceGroupConfiguration { Count = 1 },
    };

    private static void WriteConfig(string repository, ModelConfiguration config) =>
        File.WriteAllText(Path.Combine(repository, config.Name, ModelRepositoryScanner.ConfigFileName), ModelConfigurationSerializer.Serialize(config));

    private static async Task<(ulong Inferences, ulong Executions)> StatisticsAsync(CallInvoker invoker, string model)
    {
        var response = await invoker.UnaryAsync(InferenceMethods.ModelStatistics, new ModelStatisticsRequest { Name = model });
        var stats = response.ModelStats.Single();
        return (stats.InferenceCount, stats.ExecutionCount);
    }

    private static float[] RandomImage(int seed)
    {
        var random = new Random(seed);
        var image = new float[3 * 112 * 112];
        for (var i = 0; i < image.Length; i++)
        {
            image[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return image;
    }

    private static double MaxDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new InvalidOperationException($"Outputs of {a.Length} and {b.Length} elements.");
        }

        double max = 0;
        for (var i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }

        return max;
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var directory in Directory.GetDirectories(from))
        {
            CopyDirectory(directory, Path.Combine(to, Path.GetFileName(directory)));
        }
    }

    private static TimeSpan Seconds(string[] args, string name, string fallback) =>
        TimeSpan.FromSeconds(double.Parse(Option(args, name, fallback), CultureInfo.InvariantCulture));

    private static int Int(string[] args, string name, string fallback) => int.Parse(Option(args, name, fallback), CultureInfo.InvariantCulture);

    /// <summary>A worker app over a repository on a loopback port (h2c), as <c>serving worker</c> wires it.</summary>
    private sealed class Worker : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private Worker(WebApplication app, Uri address)
        {
            _app = app;
            Address = address;
        }

        public Uri Address { get; }

        public static async Task<Worker> StartAsync(string repository, int threads, string[] models, string device = "cpu")
        {
            var builder = GrpcServerHost.CreateBuilder();
            builder.Logging.ClearProviders();
            builder.Services.AddServingWorker(options =>
            {
                options.RepositoryPath = repository;
                options.Threads = threads;
                options.Device = device;
                // As `serving worker` does: measured service times from the start, which a router plans with.
                options.WarmupRuns = 3;
            });
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.ListenGrpc(new IPEndPoint(IPAddress.Loopback, 0));
                kestrel.AddServerHeader = false;
            });
            var app = builder.Build();
            app.MapServingWorker();
            await app.StartAsync();
            var address = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
            var worker = new Worker(app, address);
            using var channel = GrpcChannel.ForAddress(address);
            var deadline = Stopwatch.GetTimestamp() + 120 * Stopwatch.Frequency;
            foreach (var model in models)
            {
                while (!(await channel.CallInvoker.UnaryAsync(InferenceMethods.ModelReady, new ModelReadyRequest { Name = model })).Ready)
                {
                    if (Stopwatch.GetTimestamp() > deadline)
                    {
                        await worker.DisposeAsync();
                        throw new InvalidOperationException($"Model '{model}' did not become ready.");
                    }

                    await Task.Delay(100);
                }
            }

            return worker;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>A router in this process on loopback over one worker, its catalogue from the repository; ready when its health says so.</summary>
    private sealed class Router : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private Router(WebApplication app, Uri address)
        {
            _app = app;
            Address = address;
        }

        public Uri Address { get; }

        public static async Task<Router> StartAsync(Uri worker, string repository)
        {
            var builder = GrpcServerHost.CreateBuilder();
            builder.Logging.ClearProviders();
            builder.Services.AddServingRouter(options =>
            {
                options.Workers.Add(worker.Authority);
                options.RepositoryPath = repository;
                options.MaxConcurrentPerClient = 0;
            });
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.ListenGrpc(new IPEndPoint(IPAddress.Loopback, 0));
                kestrel.AddServerHeader = false;
            });
            var app = builder.Build();
            app.MapServingRouter();
            await app.StartAsync();
            var address = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
            var router = new Router(app, address);
            using var channel = GrpcChannel.ForAddress(address);
            var deadline = Stopwatch.GetTimestamp() + 120 * Stopwatch.Frequency;
            while (!(await channel.CallInvoker.UnaryAsync(InferenceMethods.ServerReady, new ServerReadyRequest())).Ready)
            {
                if (Stopwatch.GetTimestamp() > deadline)
                {
                    await router.DisposeAsync();
                    throw new InvalidOperationException("The router did not become ready.");
                }

                await Task.Delay(100);
            }

            return router;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>A repository folder under the temp directory, deleted at the end.</summary>
    private sealed class TempRepository : IDisposable
    {
        public string Path { get; } = Directory.CreateDirectory(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "serving-bench-" + Guid.NewGuid().ToString("N"))).FullName;

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
                // Left to the temp cleaner.
            }
        }
    }
}

using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serving.Grpc;
using Serving.Grpc.Tests.Echo;
using static Serving.Benchmarks.BenchmarkArgs;

namespace Serving.Benchmarks;

/// <summary>
/// Unary echo of a 1 KiB message through Serving.Grpc (server + client) versus a plain Kestrel
/// HTTP/2 POST endpoint that reads the body and writes it back, through the same SocketsHttpHandler
/// and the same Kestrel endpoint. The ratio grpc/plain is the cost of our gRPC layer over bare HTTP/2.
/// </summary>
/// <remarks>
/// Two parts:
/// <list type="number">
/// <item>Throughput, server and client in one process, both modes in alternating slices so that
/// background load hits both alike; besides req/s and latency, the process CPU time and the bytes
/// allocated (both sides together) per call over the same slices.</item>
/// <item>Cost per call with the server in a child process (<c>--serve</c>): a fixed number of calls per
/// mode, allocated bytes (<c>GC.GetTotalAllocatedBytes(precise: true)</c>) and CPU time
/// (<c>Process.TotalProcessorTime</c>) per call for client and server separately. These do not depend
/// on how busy the machine is, unlike req/s. Median of 5 alternating rounds.</item>
/// </list>
/// Options: --duration S per mode (default 5), --warmup S (default 1), --rounds N alternating slices (default 10),
/// --concurrency 1,16,64, --size BYTES (default 1024), --cost-calls N per mode and round (default 10000, 0 skips part 2),
/// --kestrel-pool (the server keeps Kestrel's own memory pool of 4 KiB blocks instead of the 32 KiB blocks
/// <c>AddGrpcServer()</c> gives it).
/// </remarks>
internal static class GrpcEchoBenchmark
{
    private static readonly Method<EchoRequest, EchoResponse> Echo =
        new(MethodType.Unary, "serving.test.EchoService", "Unary", EchoRequest.Parser, EchoResponse.Parser);

    private static readonly MediaTypeHeaderValue OctetStream = new("application/octet-stream");

    private const int CostRounds = 5;

    private static bool _kestrelPool;

    public static async Task<int> RunAsync(string[] args)
    {
        _kestrelPool = Array.IndexOf(args, "--kestrel-pool") >= 0;
        if (Array.IndexOf(args, "--serve") >= 0)
        {
            return await ServeAsync();
        }

        var duration = TimeSpan.FromSeconds(double.Parse(Option(args, "--duration", "5"), CultureInfo.InvariantCulture));
        var warmup = TimeSpan.FromSeconds(double.Parse(Option(args, "--warmup", "1"), CultureInfo.InvariantCulture));
        var concurrencies = Array.ConvertAll(Option(args, "--concurrency", "1,16,64").Split(','), c => int.Parse(c, CultureInfo.InvariantCulture));
        var size = int.Parse(Option(args, "--size", "1024"), CultureInfo.InvariantCulture);
        var rounds = int.Parse(Option(args, "--rounds", "10"), CultureInfo.InvariantCulture);
        var costCalls = int.Parse(Option(args, "--cost-calls", "10000"), CultureInfo.InvariantCulture);

        var payload = new byte[size];
        new Random(1).NextBytes(payload);

        Console.WriteLine($"Unary echo, {size} B payload, {Environment.ProcessorCount} cores, h2c on loopback, server memory pool: {(_kestrelPool ? "Kestrel's (4 KiB blocks)" : "AddGrpcServer's (32 KiB blocks)")}, load average before: {LoadAverage()}");
        Console.WriteLine();
        if (duration > TimeSpan.Zero)
        {
            await RunThroughputAsync(payload, concurrencies, duration, warmup, rounds);
        }

        if (costCalls > 0)
        {
            await RunCostAsync(payload, concurrencies, costCalls);
        }

        Console.WriteLine();
        Console.WriteLine($"Load average after: {LoadAverage()}");
        return 0;
    }

    /// <summary>Part 1: server and client in one process, alternating slices of both modes.</summary>
    private static async Task RunThroughputAsync(byte[] payload, int[] concurrencies, TimeSpan duration, TimeSpan warmup, int rounds)
    {
        Console.WriteLine($"Throughput: server and client in one process, {warmup.TotalSeconds:0.#} s warm-up + {duration.TotalSeconds:0.#} s per mode in {rounds} alternating slices; CPU and allocations are per call, client + server.");
        Console.WriteLine();
        Console.WriteLine("| concurrency | plain HTTP/2 req/s | gRPC req/s | ratio | median slice-pair ratio (min-max) | plain p50 / p99 (ms) | gRPC p50 / p99 (ms) | plain / gRPC CPU µs per call | plain / gRPC B per call | plain / gRPC GC pause µs per call |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        await using (var app = await StartServerAsync())
        {
            using var client = new EchoClient(ServerAddress(app), payload);
            foreach (var concurrency in concurrencies)
            {
                await client.Plain.RunAsync(concurrency, warmup, latencies: null);
                await client.Grpc.RunAsync(concurrency, warmup, latencies: null);
                var plain = new Samples(concurrency);
                var grpc = new Samples(concurrency);
                var slice = duration / rounds;
                var pairRatios = new double[rounds];
                for (var round = 0; round < rounds; round++)
                {
                    // ABBA order: a trend in background load favours neither mode.
                    double plainRps, grpcRps;
                    if (round % 2 == 0)
                    {
                        plainRps = await plain.MeasureAsync(client.Plain, slice);
                        grpcRps = await grpc.MeasureAsync(client.Grpc, slice);
                    }
                    else
                    {
                        grpcRps = await grpc.MeasureAsync(client.Grpc, slice);
                        plainRps = await plain.MeasureAsync(client.Plain, slice);
                    }

                    pairRatios[round] = grpcRps / plainRps;
                }

                Array.Sort(pairRatios);
                var medianRatio = pairRatios[rounds / 2];
                var p = plain.Summarize();
                var g = grpc.Summarize();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {concurrency} | {p.Rps:N0} | {g.Rps:N0} | {g.Rps / p.Rps:0.00} | {medianRatio:0.00} ({pairRatios[0]:0.00}-{pairRatios[^1]:0.00}) | {p.P50:0.000} / {p.P99:0.000} | {g.P50:0.000} / {g.P99:0.000} | {p.CpuMicros:0.0} / {g.CpuMicros:0.0} | {p.Bytes:N0} / {g.Bytes:N0} | {p.GcPauseMicros:0.00} / {g.GcPauseMicros:0.00} |"));
            }
        }
    }

    /// <summary>Part 2: the server in a child process, so each side's CPU and allocations are its own.</summary>
    private static async Task RunCostAsync(byte[] payload, int[] concurrencies, int calls)
    {
        using var server = ChildServer.Start();
        using var client = new EchoClient(server.Address, payload);
        Console.WriteLine();
        Console.WriteLine($"Cost per call: server in a child process, {calls:N0} calls per mode, median of {CostRounds} alternating rounds.");
        Console.WriteLine();
        Console.WriteLine("| concurrency | mode | client CPU µs | server CPU µs | total CPU µs | client B | server B | total B | client / server thread-pool items |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var concurrency in concurrencies)
        {
            await client.Plain.RunCallsAsync(concurrency, Math.Max(calls / 4, 1000));
            await client.Grpc.RunCallsAsync(concurrency, Math.Max(calls / 4, 1000));
            var plain = new List<Cost>();
            var grpc = new List<Cost>();
            for (var round = 0; round < CostRounds; round++)
            {
                if (round % 2 == 0)
                {
                    plain.Add(await MeasureCostAsync(server, client.Plain, concurrency, calls));
                    grpc.Add(await MeasureCostAsync(server, client.Grpc, concurrency, calls));
                }
                else
                {
                    grpc.Add(await MeasureCostAsync(server, client.Grpc, concurrency, calls));
                    plain.Add(await MeasureCostAsync(server, client.Plain, concurrency, calls));
                }
            }

            foreach (var (mode, costs) in new[] { ("plain", plain), ("gRPC", grpc) })
            {
                var c = Cost.Median(costs);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {concurrency} | {mode} | {c.ClientCpu:0.0} | {c.ServerCpu:0.0} | {c.ClientCpu + c.ServerCpu:0.0} | {c.ClientBytes:N0} | {c.ServerBytes:N0} | {c.ClientBytes + c.ServerBytes:N0} | {c.ClientHops:0.00} / {c.ServerHops:0.00} |"));
            }
        }
    }

    private static async Task<Cost> MeasureCostAsync(ChildServer server, Mode mode, int concurrency, int calls)
    {
        var serverBefore = await server.StatsAsync();
        var clientBefore = Stats.Current();
        await mode.RunCallsAsync(concurrency, calls);
        var clientAfter = Stats.Current();
        var serverAfter = await server.StatsAsync();
        return new Cost(
            (clientAfter.CpuTicks - clientBefore.CpuTicks) / 10.0 / calls,
            (serverAfter.CpuTicks - serverBefore.CpuTicks) / 10.0 / calls,
            (double)(clientAfter.Bytes - clientBefore.Bytes) / calls,
            (double)(serverAfter.Bytes - serverBefore.Bytes) / calls,
            (double)(clientAfter.WorkItems - clientBefore.WorkItems) / calls,
            (double)(serverAfter.WorkItems - serverBefore.WorkItems) / calls);
    }

    /// <summary>Child mode: serve, print the address, answer "stats" with allocated bytes and CPU ticks, exit on "quit" or EOF.</summary>
    private static async Task<int> ServeAsync()
    {
        await using var app = await StartServerAsync();
        Console.WriteLine("ADDRESS " + ServerAddress(app));
        while (await Console.In.ReadLineAsync() is { } line && line != "quit")
        {
            var stats = Stats.Current();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"STATS {stats.Bytes} {stats.CpuTicks} {stats.WorkItems}"));
        }

        return 0;
    }

    private static Uri ServerAddress(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());

    /// <summary>
    /// Both endpoints on the same Kestrel listener (same HTTP/2 settings), behind the same routing.
    /// The plain one does the transport work of an echo: read the whole body, write it back.
    /// </summary>
    private static async Task<WebApplication> StartServerAsync()
    {
        var builder = GrpcServerHost.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpcServer();
        if (_kestrelPool)
        {
            // Drop AddGrpcServer's memory pool factory (the last one registered): Kestrel's default stays.
            builder.Services.Remove(builder.Services.Last(d => d.ServiceType == typeof(IMemoryPoolFactory<byte>)));
        }
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ListenGrpc(new IPEndPoint(IPAddress.Loopback, 0));
            kestrel.AddServerHeader = false;
        });
        var app = builder.Build();
        app.MapGrpcService(ServiceDefinition.CreateBuilder()
            .AddUnary(Echo, (request, _) => Task.FromResult(new EchoResponse { Payload = request.Payload }))
            .Build());
        app.MapPost("/echo", async (HttpContext http) =>
        {
            // Read the whole body before answering, as a unary gRPC handler does. (Streaming it back
            // while the request still arrives stalls SocketsHttpHandler at 8 concurrent 150 KB echoes.)
            var reader = http.Request.BodyReader;
            ReadResult read;
            while (!(read = await reader.ReadAsync()).IsCompleted)
            {
                reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            }

            http.Response.ContentType = "application/octet-stream";
            http.Response.ContentLength = read.Buffer.Length;
            foreach (var segment in read.Buffer)
            {
                http.Response.BodyWriter.Write(segment.Span);
            }

            reader.AdvanceTo(read.Buffer.End);
            await http.Response.BodyWriter.FlushAsync();
        });
        await app.StartAsync();
        return app;
    }

    /// <summary>One shared SocketsHttpHandler (same connection settings) for the plain and the gRPC calls.</summary>
    private sealed class EchoClient : IDisposable
    {
        private readonly SocketsHttpHandler _handler;
        private readonly GrpcChannel _channel;
        private readonly HttpMessageInvoker _plain;

        public EchoClient(Uri baseUri, byte[] payload)
        {
            _handler = GrpcChannel.CreateHttpHandler();
            _channel = GrpcChannel.ForAddress(baseUri, new GrpcChannelOptions { HttpHandler = _handler });
            _plain = new HttpMessageInvoker(_handler, disposeHandler: false);
            var plainUri = new Uri(baseUri, "/echo");
            var size = payload.Length;
            var request = new EchoRequest { Payload = ByteString.CopyFrom(payload) };
            var invoker = _channel.CallInvoker;

            async Task PlainCallAsync()
            {
                var content = new ByteArrayContent(payload);
                content.Headers.ContentType = OctetStream;
                using var message = new HttpRequestMessage(HttpMethod.Post, plainUri) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact, Content = content };
                using var response = await _plain.SendAsync(message, CancellationToken.None);
                var body = await response.Content.ReadAsByteArrayAsync();
                if (body.Length != size)
                {
                    throw new InvalidOperationException($"Plain echo returned {body.Length} bytes.");
                }
            }

            async Task GrpcCallAsync()
            {
                var response = await invoker.UnaryAsync(Echo, request);
                if (response.Payload.Length != size)
                {
                    throw new InvalidOperationException($"gRPC echo returned {response.Payload.Length} bytes.");
                }
            }

            Plain = new Mode(PlainCallAsync);
            Grpc = new Mode(GrpcCallAsync);
        }

        public Mode Plain { get; }

        public Mode Grpc { get; }

        public void Dispose()
        {
            _plain.Dispose();
            _channel.Dispose();
            _handler.Dispose();
        }
    }

    private sealed class Mode(Func<Task> call)
    {
        /// <summary>Runs <paramref name="concurrency"/> workers until <paramref name="duration"/> is over; returns the calls made.</summary>
        public async Task<long> RunAsync(int concurrency, TimeSpan duration, List<long>[]? latencies)
        {
            var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            var workers = new Task<long>[concurrency];
            for (var i = 0; i < concurrency; i++)
            {
                var own = latencies?[i];
                workers[i] = Task.Run(async () =>
                {
                    long count = 0;
                    while (true)
                    {
                        var before = Stopwatch.GetTimestamp();
                        if (before >= end)
                        {
                            return count;
                        }

                        await call();
                        count++;
                        own?.Add(Stopwatch.GetTimestamp() - before);
                    }
                });
            }

            long total = 0;
            foreach (var count in await Task.WhenAll(workers))
            {
                total += count;
            }

            return total;
        }

        /// <summary>Makes exactly <paramref name="calls"/> calls over <paramref name="concurrency"/> workers.</summary>
        public async Task RunCallsAsync(int concurrency, int calls)
        {
            var remaining = calls;
            var workers = new Task[concurrency];
            for (var i = 0; i < concurrency; i++)
            {
                workers[i] = Task.Run(async () =>
                {
                    while (Interlocked.Decrement(ref remaining) >= 0)
                    {
                        await call();
                    }
                });
            }

            await Task.WhenAll(workers);
        }
    }

    private sealed class Samples(int concurrency)
    {
        private readonly List<long>[] _latencies = CreateLatencies(concurrency);
        private TimeSpan _elapsed;
        private long _calls;
        private long _cpuTicks;
        private long _bytes;
        private long _gcPauseTicks;

        /// <summary>Runs one slice, adds it to the totals and returns its req/s.</summary>
        public async Task<double> MeasureAsync(Mode mode, TimeSpan slice)
        {
            var before = Stats.Current();
            var start = Stopwatch.GetTimestamp();
            var calls = await mode.RunAsync(concurrency, slice, _latencies);
            var elapsed = Stopwatch.GetElapsedTime(start);
            var after = Stats.Current();
            _calls += calls;
            _elapsed += elapsed;
            _cpuTicks += after.CpuTicks - before.CpuTicks;
            _bytes += after.Bytes - before.Bytes;
            _gcPauseTicks += after.GcPauseTicks - before.GcPauseTicks;
            return calls / elapsed.TotalSeconds;
        }

        public Result Summarize()
        {
            var all = new long[_calls];
            var at = 0;
            foreach (var list in _latencies)
            {
                list.CopyTo(all, at);
                at += list.Count;
            }

            Array.Sort(all);
            double Percentile(double p) => all.Length == 0 ? 0 : all[Math.Min(all.Length - 1, (int)(p * all.Length))] * 1000.0 / Stopwatch.Frequency;
            return new Result(_calls / _elapsed.TotalSeconds, Percentile(0.50), Percentile(0.99), _cpuTicks / 10.0 / _calls, (double)_bytes / _calls, _gcPauseTicks / 10.0 / _calls);
        }

        private static List<long>[] CreateLatencies(int concurrency)
        {
            var lists = new List<long>[concurrency];
            for (var i = 0; i < concurrency; i++)
            {
                lists[i] = new List<long>(200_000);
            }

            return lists;
        }
    }

    /// <summary>Process-wide counters: allocated bytes, CPU time, thread-pool work items (each one a thread hop), GC pause time.</summary>
    private readonly record struct Stats(long Bytes, long CpuTicks, long WorkItems, long GcPauseTicks = 0)
    {
        public static Stats Current()
        {
            using var process = Process.GetCurrentProcess();
            return new Stats(GC.GetTotalAllocatedBytes(precise: true), process.TotalProcessorTime.Ticks, ThreadPool.CompletedWorkItemCount, GC.GetTotalPauseDuration().Ticks);
        }
    }

    private readonly record struct Result(double Rps, double P50, double P99, double CpuMicros, double Bytes, double GcPauseMicros);

    private readonly record struct Cost(double ClientCpu, double ServerCpu, double ClientBytes, double ServerBytes, double ClientHops, double ServerHops)
    {
        public static Cost Median(List<Cost> costs)
        {
            static double Mid(IEnumerable<double> values)
            {
                var sorted = values.Order().ToArray();
                return sorted[sorted.Length / 2];
            }

            return new Cost(
                Mid(costs.Select(c => c.ClientCpu)),
                Mid(costs.Select(c => c.ServerCpu)),
                Mid(costs.Select(c => c.ClientBytes)),
                Mid(costs.Select(c => c.ServerBytes)),
                Mid(costs.Select(c => c.ClientHops)),
                Mid(costs.Select(c => c.ServerHops)));
        }
    }

    /// <summary>The benchmark itself, started again with <c>--serve</c>: a server whose CPU and allocations are separate from the client's.</summary>
    private sealed class ChildServer : IDisposable
    {
        private readonly Process _process;

        private ChildServer(Process process, Uri address)
        {
            _process = process;
            Address = address;
        }

        public Uri Address { get; }

        public static ChildServer Start()
        {
            var path = Environment.ProcessPath ?? throw new InvalidOperationException("No process path.");
            var info = new ProcessStartInfo(path) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            if (Path.GetFileNameWithoutExtension(path) == "dotnet")
            {
                // Run through the host: the entry assembly is the first argument.
                info.ArgumentList.Add(typeof(GrpcEchoBenchmark).Assembly.Location);
            }

            info.ArgumentList.Add("grpc");
            info.ArgumentList.Add("--serve");
            if (_kestrelPool)
            {
                info.ArgumentList.Add("--kestrel-pool");
            }
            var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the server process.");
            var line = process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("The server process exited.");
            return new ChildServer(process, new Uri(line["ADDRESS ".Length..]));
        }

        public async Task<Stats> StatsAsync()
        {
            await _process.StandardInput.WriteLineAsync("stats");
            await _process.StandardInput.FlushAsync();
            var parts = (await _process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("The server process exited.")).Split(' ');
            return new Stats(long.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture), long.Parse(parts[3], CultureInfo.InvariantCulture));
        }

        public void Dispose()
        {
            try
            {
                _process.StandardInput.WriteLine("quit");
                _process.StandardInput.Flush();
                if (!_process.WaitForExit(5000))
                {
                    _process.Kill();
                }
            }
            finally
            {
                _process.Dispose();
            }
        }
    }
}

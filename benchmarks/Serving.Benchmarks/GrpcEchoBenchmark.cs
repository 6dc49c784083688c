using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serving.Grpc;
using Serving.Grpc.Tests.Echo;

namespace Serving.Benchmarks;

/// <summary>
/// Unary echo of a 1 KiB message through Serving.Grpc (server + client) versus a plain Kestrel
/// HTTP/2 POST endpoint that copies the body back, through the same SocketsHttpHandler, in one
/// process. The ratio grpc/plain is the cost of our gRPC layer over bare HTTP/2.
/// Options: --duration S per mode (default 5), --warmup S (default 1), --rounds N alternating slices (default 5),
/// --concurrency 1,16,64, --size BYTES (default 1024).
/// </summary>
internal static class GrpcEchoBenchmark
{
    private static readonly Method<EchoRequest, EchoResponse> Echo =
        new(MethodType.Unary, "serving.test.EchoService", "Unary", EchoRequest.Parser, EchoResponse.Parser);

    public static async Task<int> RunAsync(string[] args)
    {
        var duration = TimeSpan.FromSeconds(double.Parse(Option(args, "--duration", "5"), CultureInfo.InvariantCulture));
        var warmup = TimeSpan.FromSeconds(double.Parse(Option(args, "--warmup", "1"), CultureInfo.InvariantCulture));
        var concurrencies = Option(args, "--concurrency", "1,16,64").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
        var size = int.Parse(Option(args, "--size", "1024"), CultureInfo.InvariantCulture);
        var rounds = int.Parse(Option(args, "--rounds", "5"), CultureInfo.InvariantCulture);

        await using var app = await StartServerAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        var baseUri = new Uri(address);

        // One handler, shared: both paths get the same connection pool settings.
        using var handler = GrpcChannel.CreateHttpHandler();
        using var channel = GrpcChannel.ForAddress(baseUri, new GrpcChannelOptions { HttpHandler = handler });
        using var plain = new HttpMessageInvoker(handler, disposeHandler: false);
        var plainUri = new Uri(baseUri, "/echo");

        var payload = new byte[size];
        new Random(1).NextBytes(payload);
        var request = new EchoRequest { Payload = ByteString.CopyFrom(payload) };

        async Task PlainCallAsync()
        {
            var content = new ByteArrayContent(payload);
            content.Headers.ContentType = OctetStream;
            using var message = new HttpRequestMessage(HttpMethod.Post, plainUri) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact, Content = content };
            using var response = await plain.SendAsync(message, CancellationToken.None);
            var body = await response.Content.ReadAsByteArrayAsync();
            if (body.Length != size)
            {
                throw new InvalidOperationException($"Plain echo returned {body.Length} bytes.");
            }
        }

        async Task GrpcCallAsync()
        {
            var response = await channel.CallInvoker.UnaryAsync(Echo, request);
            if (response.Payload.Length != size)
            {
                throw new InvalidOperationException($"gRPC echo returned {response.Payload.Length} bytes.");
            }
        }

        Console.WriteLine($"Unary echo, {size} B payload, {warmup.TotalSeconds:0.#} s warm-up + {duration.TotalSeconds:0.#} s per mode in {rounds} alternating slices, {Environment.ProcessorCount} cores, server and client in one process (h2c on loopback)");
        Console.WriteLine();
        Console.WriteLine("| concurrency | plain HTTP/2 req/s | gRPC req/s | ratio | plain p50 / p99 (ms) | gRPC p50 / p99 (ms) |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
        foreach (var concurrency in concurrencies)
        {
            // Alternate short slices of both modes so background load (this box is shared) hits
            // both alike, instead of favouring whichever ran in the quieter seconds.
            await RunWorkersAsync(PlainCallAsync, concurrency, warmup, latencies: null);
            await RunWorkersAsync(GrpcCallAsync, concurrency, warmup, latencies: null);
            var plainSamples = new Samples(concurrency);
            var grpcSamples = new Samples(concurrency);
            var slice = duration / rounds;
            for (var round = 0; round < rounds; round++)
            {
                plainSamples.Elapsed += await RunWorkersAsync(PlainCallAsync, concurrency, slice, plainSamples.Latencies);
                grpcSamples.Elapsed += await RunWorkersAsync(GrpcCallAsync, concurrency, slice, grpcSamples.Latencies);
            }

            var plainResult = plainSamples.Summarize();
            var grpcResult = grpcSamples.Summarize();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {concurrency} | {plainResult.Rps:N0} | {grpcResult.Rps:N0} | {grpcResult.Rps / plainResult.Rps:0.00} | {plainResult.P50:0.000} / {plainResult.P99:0.000} | {grpcResult.P50:0.000} / {grpcResult.P99:0.000} |"));
        }

        return 0;
    }

    private static readonly MediaTypeHeaderValue OctetStream = new("application/octet-stream");

    private static async Task<WebApplication> StartServerAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpcServer();
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
            http.Response.ContentType = "application/octet-stream";
            await http.Request.BodyReader.CopyToAsync(http.Response.BodyWriter);
        });
        await app.StartAsync();
        return app;
    }

    private sealed class Samples(int concurrency)
    {
        public List<long>[] Latencies { get; } = Enumerable.Range(0, concurrency).Select(_ => new List<long>(100_000)).ToArray();

        public TimeSpan Elapsed { get; set; }

        public Result Summarize()
        {
            var all = Latencies.SelectMany(l => l).Order().ToArray();
            double Percentile(double p) => all.Length == 0 ? 0 : all[Math.Min(all.Length - 1, (int)(p * all.Length))] * 1000.0 / Stopwatch.Frequency;
            return new Result(all.Length / Elapsed.TotalSeconds, Percentile(0.50), Percentile(0.99));
        }
    }

    private static async Task<TimeSpan> RunWorkersAsync(Func<Task> call, int concurrency, TimeSpan duration, List<long>[]? latencies)
    {
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, concurrency).Select(i => Task.Run(async () =>
        {
            var own = latencies?[i];
            while (true)
            {
                var before = Stopwatch.GetTimestamp();
                if (before >= end)
                {
                    return;
                }

                await call();
                own?.Add(Stopwatch.GetTimestamp() - before);
            }
        }));
        await Task.WhenAll(workers);
        return Stopwatch.GetElapsedTime(start);
    }

    private static string Option(string[] args, string name, string fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }

    private readonly record struct Result(double Rps, double P50, double P99);
}

using System.CommandLine;
using System.Globalization;
using Google.Protobuf;
using Serving.Client;
using Serving.Grpc;
using Serving.LoadTest;
using Serving.Protocol.V1;
using Spectre.Console;

namespace Serving.Cli.Commands;

/// <summary>
/// <c>serving verify | embed | detect | segment | status</c>: one call to a router through
/// Serving.Client. Exit 0 on an answer, 1 on an RPC error (code and message on stderr), 2 on bad
/// usage (unreadable file, bad duration).
/// </summary>
internal static class ClientCommands
{
    private const string DefaultEndpoint = "127.0.0.1:8001";

    public static IEnumerable<Command> Create() => [Verify(), Embed(), Detect(), Segment(), Status()];

    private sealed class CallOptionSet
    {
        public Option<string> Endpoint { get; } = new("--endpoint") { Description = "Router host:port or http(s)://host:port", DefaultValueFactory = _ => DefaultEndpoint };
        public Option<string?> Slo { get; } = new("--slo") { Description = "SLO class, e.g. interactive (its budget applies when no --deadline)" };
        public Option<string?> Deadline { get; } = new("--deadline") { Description = "Latency budget sent as the gRPC deadline, e.g. 80ms" };
        public Option<double> MinQuality { get; } = new("--min-quality") { Description = "Lowest acceptable variant quality (0 = any)" };
        public Option<string?> Variant { get; } = new("--variant") { Description = "Pin this variant" };
        public Option<bool> BestEffort { get; } = new("--best-effort") { Description = "Serve with the fastest variant when none fits the budget" };
        public Option<FileInfo?> ApiKeyFile { get; } = new("--api-key-file") { Description = "File holding the API key (sent as authorization: Bearer)" };
        public Option<bool> Json { get; } = new("--json") { Description = "Print the answer as JSON" };

        public void AddTo(Command command, bool taskOptions = true)
        {
            command.Options.Add(Endpoint);
            if (taskOptions)
            {
                command.Options.Add(Slo);
                command.Options.Add(Deadline);
                command.Options.Add(MinQuality);
                command.Options.Add(Variant);
                command.Options.Add(BestEffort);
            }
            else
            {
                command.Options.Add(Deadline);
            }

            command.Options.Add(ApiKeyFile);
            command.Options.Add(Json);
        }

        /// <summary>The client and call options, or null after printing why (usage error).</summary>
        public (ServingClient Client, ServingCallOptions Options)? Build(ParseResult result, CancellationToken cancellationToken)
        {
            TimeSpan? deadline = null;
            if (result.GetValue(Deadline) is { } text)
            {
                if (!DurationText.TryParse(text, out var parsed) || parsed <= TimeSpan.Zero)
                {
                    return Usage($"--deadline '{text}' is not a positive duration (e.g. 80ms, 2s)");
                }

                deadline = parsed;
            }

            string? apiKey = null;
            if (result.GetValue(ApiKeyFile) is { } file)
            {
                if (!file.Exists)
                {
                    return Usage($"--api-key-file {file.FullName} does not exist");
                }

                apiKey = File.ReadLines(file.FullName).FirstOrDefault()?.Trim();
            }

            ServingClient client;
            try
            {
                client = new ServingClient(result.GetRequiredValue(Endpoint), new ServingClientOptions { ApiKey = apiKey });
            }
            catch (ArgumentException e)
            {
                return Usage(e.Message);
            }

            return (client, new ServingCallOptions
            {
                Deadline = deadline,
                SloClass = result.GetValue(Slo),
                MinQuality = result.GetValue(MinQuality),
                PinnedVariant = result.GetValue(Variant),
                BestEffort = result.GetValue(BestEffort),
                CancellationToken = cancellationToken,
            });
        }
    }

    private static Command Verify()
    {
        var a = new Argument<FileInfo>("image-a") { Description = "First image (JPEG/PNG)" };
        var b = new Argument<FileInfo>("image-b") { Description = "Second image" };
        var set = new CallOptionSet();
        var command = new Command("verify", "Do two images show the same person? (FaceService.Verify on a router)") { a, b };
        set.AddTo(command);
        command.SetAction((result, ct) => RunAsync(set, result, ct, [result.GetRequiredValue(a), result.GetRequiredValue(b)], async (client, options, images) =>
        {
            var r = await client.VerifyAsync(images[0], images[1], options);
            return (r, Invariant($"same: {(r.Same ? "yes" : "no")}  score {r.Score:0.###} (threshold {r.Threshold:0.###})") + Environment.NewLine + Served(r.ServedBy));
        }));
        return command;
    }

    private static Command Embed()
    {
        var image = new Argument<FileInfo>("image") { Description = "Image (JPEG/PNG)" };
        var set = new CallOptionSet();
        var command = new Command("embed", "Embedding of the most prominent face (FaceService.Embed on a router)") { image };
        set.AddTo(command);
        command.SetAction((result, ct) => RunAsync(set, result, ct, [result.GetRequiredValue(image)], async (client, options, images) =>
        {
            var r = await client.EmbedAsync(images[0], options);
            var head = string.Join(", ", r.Embedding.Take(6).Select(v => v.ToString("0.####", CultureInfo.InvariantCulture)));
            return (r, Invariant($"embedding: {r.Embedding.Count} floats [{head}{(r.Embedding.Count > 6 ? ", ..." : "")}]  face {BoxText(r.Face?.Box)}") + Environment.NewLine + Served(r.ServedBy));
        }));
        return command;
    }

    private static Command Detect()
    {
        var image = new Argument<FileInfo>("image") { Description = "Image (JPEG/PNG)" };
        var minScore = new Option<float>("--min-score") { Description = "Drop faces scoring below this (0 = the variant's threshold)" };
        var set = new CallOptionSet();
        var command = new Command("detect", "Every face of an image (FaceService.Detect on a router)") { image, minScore };
        set.AddTo(command);
        command.SetAction((result, ct) => RunAsync(set, result, ct, [result.GetRequiredValue(image)], async (client, options, images) =>
        {
            var r = await client.DetectAsync(images[0], options, result.GetValue(minScore));
            var lines = r.Faces.Select((f, i) => Invariant($"face {i + 1}: score {f.Score:0.###}  box {BoxText(f.Box)}  {f.Landmarks.Count} landmarks"));
            return (r, Invariant($"{r.Faces.Count} face(s)") + Environment.NewLine + string.Join(Environment.NewLine, lines.Append(Served(r.ServedBy))));
        }));
        return command;
    }

    private static Command Segment()
    {
        var image = new Argument<FileInfo>("image") { Description = "Image (JPEG/PNG)" };
        var output = new Option<FileInfo>("--output", "-o") { Description = "Where to write the mask PNG", Required = true };
        var set = new CallOptionSet();
        var command = new Command("segment", "Person mask of an image as a PNG (SegmentationService.Segment on a router)") { image, output };
        set.AddTo(command);
        command.SetAction((result, ct) => RunAsync(set, result, ct, [result.GetRequiredValue(image)], async (client, options, images) =>
        {
            var r = await client.SegmentAsync(images[0], options);
            var path = result.GetRequiredValue(output).FullName;
            await File.WriteAllBytesAsync(path, r.MaskPng.ToByteArray(), ct);
            var shown = r.Clone();
            shown.MaskPng = ByteString.Empty;
            return (shown, Invariant($"mask {r.Width}x{r.Height}, foreground {r.ForegroundFraction:P1} -> {path}") + Environment.NewLine + Served(r.ServedBy));
        }));
        return command;
    }

    private static Command Status()
    {
        var set = new CallOptionSet();
        var command = new Command("status", "A router's workers, models, load and SLO classes (ClusterService.GetStatus)");
        set.AddTo(command, taskOptions: false);
        command.SetAction(async (result, ct) =>
        {
            if (set.Build(result, ct) is not var (client, options))
            {
                return 2;
            }

            using (client)
            {
                ClusterStatus status;
                try
                {
                    status = await client.GetStatusAsync(options with { Deadline = options.Deadline ?? TimeSpan.FromSeconds(10) });
                }
                catch (RpcException e)
                {
                    return RpcError(client, e);
                }

                if (result.GetValue(set.Json))
                {
                    Console.WriteLine(JsonFormatter.Default.Format(status));
                    return 0;
                }

                PrintStatus(status);
                return 0;
            }
        });
        return command;
    }

    private static void PrintStatus(ClusterStatus status)
    {
        AnsiConsole.MarkupLine(Markup.Escape(Invariant($"ready: {(status.Ready ? "yes" : "no")}  selector: {status.Selector}  default SLO class: {status.DefaultSloClass}  synthetic variants: {(status.AllowSynthetic ? "allowed" : "not allowed")}")));
        var workers = new Table().Title("workers").AddColumns("worker", "address", "connected", "breaker", "report age ms", "model", "ready", "queued", "in-flight batches", "sent since report", "p50 ms", "p99 ms");
        foreach (var w in status.Workers)
        {
            var first = true;
            foreach (var m in w.Models.DefaultIfEmpty())
            {
                workers.AddRow(
                    first ? w.Id : "", first ? w.Address : "", first ? YesNo(w.Connected) : "", first ? w.Breaker : "",
                    first ? (w.ReportAgeMs < 0 ? "-" : Invariant($"{w.ReportAgeMs:0}")) : "",
                    m?.Model ?? "-", m is null ? "" : YesNo(m.Ready), m is null ? "" : Invariant($"{m.Queued}"), m is null ? "" : Invariant($"{m.InFlightBatches}"),
                    m is null ? "" : Invariant($"{m.SentSinceReport}"), m is null ? "" : Invariant($"{m.P50Ms:0.##}"), m is null ? "" : Invariant($"{m.P99Ms:0.##}"));
                first = false;
            }
        }

        AnsiConsole.Write(workers);
        var models = new Table().Title("models").AddColumns("task", "variant", "quality", "synthetic", "selectable", "ready workers");
        foreach (var t in status.Tasks)
        {
            foreach (var v in t.Variants)
            {
                models.AddRow(Markup.Escape(t.Task), Markup.Escape(v.Name), Invariant($"{v.Quality:0.###}"), YesNo(v.Synthetic), YesNo(v.Selectable), Markup.Escape(string.Join(", ", v.ReadyWorkers)));
            }
        }

        AnsiConsole.Write(models);
        var classes = new Table().Title("SLO classes").AddColumns("class", "budget ms", "percentile");
        foreach (var c in status.SloClasses)
        {
            classes.AddRow(Markup.Escape(c.Name), Invariant($"{c.BudgetMs:0.##}"), Invariant($"{c.Percentile:0.##}"));
        }

        AnsiConsole.Write(classes);
    }

    private static async Task<int> RunAsync<T>(
        CallOptionSet set, ParseResult result, CancellationToken cancellationToken, FileInfo[] files,
        Func<ServingClient, ServingCallOptions, byte[][], Task<(T Response, string Text)>> call)
        where T : IMessage
    {
        var images = new byte[files.Length][];
        for (var i = 0; i < files.Length; i++)
        {
            if (!files[i].Exists)
            {
                Console.Error.WriteLine($"error: {files[i].FullName} does not exist");
                return 2;
            }

            images[i] = await File.ReadAllBytesAsync(files[i].FullName, cancellationToken);
        }

        if (set.Build(result, cancellationToken) is not var (client, options))
        {
            return 2;
        }

        using (client)
        {
            try
            {
                var (response, text) = await call(client, options, images);
                Console.WriteLine(result.GetValue(set.Json) ? JsonFormatter.Default.Format(response) : text);
                return 0;
            }
            catch (RpcException e)
            {
                return RpcError(client, e);
            }
        }
    }

    private static int RpcError(ServingClient client, RpcException e)
    {
        Console.Error.WriteLine($"error: {client.Endpoint.Authority}: {StatusCodeNames.Of(e.StatusCode)}: {e.Status.Detail}");
        return 1;
    }

    private static (ServingClient, ServingCallOptions)? Usage(string message)
    {
        Console.Error.WriteLine("error: " + message);
        return null;
    }

    private static string Served(ServedBy? s) => s is null
        ? "served by: (not reported)"
        : Invariant($"served by: {s.Variant} on {s.Worker} ({s.SelectionReason})  queue {s.QueueMs:0.#} ms  compute {s.ComputeMs:0.#} ms  total {s.TotalMs:0.#} ms");

    private static string BoxText(Box? b) => b is null ? "-" : Invariant($"({b.X1:0},{b.Y1:0})-({b.X2:0},{b.Y2:0})");

    private static string YesNo(bool value) => value ? "yes" : "no";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

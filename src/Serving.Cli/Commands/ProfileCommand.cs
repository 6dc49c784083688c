using System.CommandLine;
using System.Globalization;
using Serving.Models.Profiling;
using Serving.OnnxRuntime;

using Serving.Models.Imaging;

namespace Serving.Cli.Commands;

/// <summary><c>serving profile</c>: latency distribution per batch size, saved beside the model.</summary>
internal static class ProfileCommand
{
    public static Command Create()
    {
        var model = new Argument<FileInfo>("model") { Description = "Path of the .onnx file (e.g. <repository>/<model>/<version>/model.onnx)" };
        var batches = new Option<string>("--batch-sizes") { Description = "Comma-separated batch sizes (models with a fixed batch dimension get 1 only)", DefaultValueFactory = _ => "1,2,4,8,16,32" };
        var runs = new Option<int>("--runs") { Description = "Timed runs per batch size", DefaultValueFactory = _ => 50 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed runs per batch size", DefaultValueFactory = _ => 5 };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads (0 = ONNX Runtime's default)", DefaultValueFactory = _ => 0 };
        var noSave = new Option<bool>("--no-save") { Description = "Print only; do not write profile.json beside the model" };
        var json = new Option<bool>("--json") { Description = "Print machine-readable JSON" };
        var images = new Option<DirectoryInfo?>("--images") { Description = "Instead of random inputs: batch-1 latency over these real images (per-image median of --runs runs; p50/p99 across images), to see input-dependent cost" };
        var command = new Command("profile", "Measure p50/p95/p99 latency per batch size on this machine and save it as profile.json beside the model")
        {
            model, batches, runs, warmup, threads, noSave, json, images,
        };
        command.SetAction(result =>
        {
            var file = result.GetRequiredValue(model);
            if (!file.Exists)
            {
                Console.Error.WriteLine($"error: no model file at {file.FullName}");
                return 2;
            }

            if (!TryParseSizes(result.GetRequiredValue(batches), out var sizes))
            {
                Console.Error.WriteLine("error: --batch-sizes must be positive integers separated by commas, e.g. 1,2,4,8");
                return 2;
            }

            try
            {
                var threadCount = result.GetValue(threads);
                using var session = InferenceSession.Create(file.FullName, new SessionOptions { IntraOpThreads = threadCount });
                var name = file.Directory?.Parent?.Name ?? Path.GetFileNameWithoutExtension(file.Name);
                if (result.GetValue(images) is { } imageDirectory)
                {
                    var files = imageDirectory.EnumerateFiles().Where(f => f.Extension is ".jpg" or ".jpeg" or ".png").Select(f => f.FullName).Order(StringComparer.Ordinal).ToArray();
                    var perImage = InputLatencyProfiler.Measure(session, name, files, Math.Min(result.GetValue(runs), 5), result.GetValue(warmup));
                    Console.WriteLine(result.GetValue(json)
                        ? System.Text.Json.JsonSerializer.Serialize(perImage)
                        : string.Create(CultureInfo.InvariantCulture,
                            $"{perImage.Model}: {perImage.Images} images, batch 1: p50 {perImage.P50Microseconds / 1000:F3} ms, p99 {perImage.P99Microseconds / 1000:F3} ms, min {perImage.MinMicroseconds / 1000:F3}, max {perImage.MaxMicroseconds / 1000:F3} (p99/p50 {perImage.Spread:F2})"));
                    return 0;
                }

                var profile = LatencyProfiler.Measure(session, name, sizes, result.GetValue(runs), result.GetValue(warmup), threadCount, "cpu");
                var saved = result.GetValue(noSave) ? null : profile.SaveBeside(file.FullName);
                if (result.GetValue(json))
                {
                    Console.WriteLine(profile.ToJson());
                }
                else
                {
                    Console.WriteLine($"{"batch",5} {"p50 ms",9} {"p95 ms",9} {"p99 ms",9} {"per item p50 ms",16}");
                    foreach (var b in profile.Batches)
                    {
                        Console.WriteLine(string.Create(
                            CultureInfo.InvariantCulture,
                            $"{b.BatchSize,5} {b.P50Microseconds / 1000,9:F3} {b.P95Microseconds / 1000,9:F3} {b.P99Microseconds / 1000,9:F3} {b.P50Microseconds / 1000 / b.BatchSize,16:F3}"));
                    }

                    if (saved is not null)
                    {
                        Console.WriteLine($"saved {saved}");
                    }
                }

                return 0;
            }
            catch (Exception e) when (e is OrtException or OrtLibraryNotFoundException or NotSupportedException or IOException or ArgumentException or ImageDecodeException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static bool TryParseSizes(string text, out int[] sizes)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        sizes = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out sizes[i]) || sizes[i] < 1)
            {
                return false;
            }
        }

        return sizes.Length > 0;
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Serving.OnnxRuntime;
using static Serving.Benchmarks.BenchmarkArgs;

namespace Serving.Benchmarks;

/// <summary>
/// Run latency of the real face embedding model (fr_feature.onnx, [1,3,112,112] -> [1,512]) through our
/// binding and through onnxruntime-node, the same ONNX Runtime 1.30 library driven by ORT's own JavaScript
/// binding, in the same run: same input, same intra-op thread count, warm-up excluded, one after the other
/// so they never compete for the cores.
/// </summary>
/// <remarks>
/// <c>onnx [--threads 1,2] [--iterations 500] [--warmup 50]</c>. Prints p50/p90/mean per implementation and
/// the ratio ours/node (target: within 5%). Ours is timed both with pooled outputs (<c>Run</c>) and with a
/// caller-allocated output (<c>RunInto</c>).
/// </remarks>
internal static class OnnxBenchmark
{
    private static readonly long[] InputShape = [1, 3, 112, 112];

    public static int Run(string[] args)
    {
        int[] threadCounts = Option(args, "--threads", "1,2").Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        int iterations = int.Parse(Option(args, "--iterations", "500"), CultureInfo.InvariantCulture);
        int warmup = int.Parse(Option(args, "--warmup", "50"), CultureInfo.InvariantCulture);

        OrtEnvironment environment = OrtEnvironment.Instance;
        string model = Path.Combine(OrtLibraryLocator.CacheDirectory, "models", "faceplugin-face-recognition-js-0.0.1", "fr_feature.onnx");
        string nodePackage = Path.Combine(OrtLibraryLocator.CacheDirectory, "npm", "node_modules", "onnxruntime-node");
        if (!File.Exists(model) || !Directory.Exists(nodePackage))
        {
            Console.Error.WriteLine($"Missing '{model}' or '{nodePackage}': run scripts/setup.sh runtime tests first.");
            return 1;
        }

        var random = new Random(1234);
        float[] input = Enumerable.Range(0, 3 * 112 * 112).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        string inputPath = Path.Combine(Path.GetTempPath(), $"onnx-bench-input-{Environment.ProcessId}.bin");
        var bytes = new byte[input.Length * sizeof(float)];
        Buffer.BlockCopy(input, 0, bytes, 0, bytes.Length);
        File.WriteAllBytes(inputPath, bytes);

        Console.WriteLine($"ONNX Runtime {environment.RuntimeVersion} ({environment.LibraryPath}); {Environment.ProcessorCount} cores");
        Console.WriteLine($"model fr_feature.onnx [1,3,112,112] -> [1,512]; warm-up {warmup}, {iterations} timed runs each");
        Console.WriteLine();
        Console.WriteLine($"{"threads",7}  {"implementation",-24} {"p50 ms",8} {"p90 ms",8} {"mean ms",8} {"ours/node p50",14} {"mean",6}");
        try
        {
            foreach (int threads in threadCounts)
            {
                var options = new SessionOptions { IntraOpThreads = threads, InterOpThreads = 1, ExecutionMode = ExecutionMode.Sequential };
                using InferenceSession session = InferenceSession.Create(model, options);
                Stats pooled = TimeOurs(session, input, warmup, iterations, preallocated: false);
                Stats node = TimeNode(nodePackage, model, inputPath, threads, warmup, iterations);
                Stats intoCaller = TimeOurs(session, input, warmup, iterations, preallocated: true);
                Print(threads, "ours Run (pooled out)", pooled, node);
                Print(threads, "ours RunInto (caller)", intoCaller, node);
                Print(threads, "onnxruntime-node", node, node);
            }
        }
        finally
        {
            File.Delete(inputPath);
        }

        return 0;
    }

    private static Stats TimeOurs(InferenceSession session, float[] input, int warmup, int iterations, bool preallocated)
    {
        var output = new float[512];
        NamedTensor[] inputs = [NamedTensor.Create<float>("input", InputShape, input)];
        NamedTensor[] outputs = [NamedTensor.Create<float>("output", [1, 512], output)];
        var samples = new double[iterations];
        for (int i = -warmup; i < iterations; i++)
        {
            long start = Stopwatch.GetTimestamp();
            if (preallocated)
            {
                session.RunInto(inputs, outputs);
            }
            else
            {
                using RunResult result = session.Run(inputs);
            }

            if (i >= 0)
            {
                samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }

        return Stats.Of(samples);
    }

    private static Stats TimeNode(string nodePackage, string model, string inputPath, int threads, int warmup, int iterations)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "node", "bench_ort_node.js");
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[]
        {
            script, nodePackage, model, "input", string.Join(",", InputShape), inputPath,
            threads.ToString(CultureInfo.InvariantCulture), warmup.ToString(CultureInfo.InvariantCulture), iterations.ToString(CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("node could not be started.");
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The node benchmark failed ({process.ExitCode}): {stderr.Result}");
        }

        using JsonDocument json = JsonDocument.Parse(stdout);
        double[] samples = json.RootElement.GetProperty("samplesMs").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        return Stats.Of(samples);
    }

    private static void Print(int threads, string name, Stats stats, Stats node) =>
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{threads,7}  {name,-24} {stats.P50,8:F3} {stats.P90,8:F3} {stats.Mean,8:F3} {stats.P50 / node.P50,14:F3} {stats.Mean / node.Mean,6:F3}"));

    private readonly record struct Stats(double P50, double P90, double Mean)
    {
        public static Stats Of(double[] samples)
        {
            double[] sorted = samples.Order().ToArray();
            return new Stats(sorted[sorted.Length / 2], sorted[(int)(sorted.Length * 0.9)], sorted.Average());
        }
    }
}

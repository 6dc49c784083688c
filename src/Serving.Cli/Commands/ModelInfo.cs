using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Serving.Models.Profiling;
using Serving.OnnxRuntime;

namespace Serving.Cli.Commands;

/// <summary><c>serving onnx info</c>: a model's signature and its latency on random input.</summary>
internal static class ModelInfo
{
    /// <summary>A free dimension is timed at this size (the batch dimension, usually).</summary>
    private const long FreeDimensionSize = 1;

    public static int Run(FileInfo model, int runs, int threads, bool json, TextWriter output)
    {
        if (!model.Exists)
        {
            Console.Error.WriteLine($"error: no model file at {model.FullName}");
            return 2;
        }

        if (runs < 1)
        {
            Console.Error.WriteLine("error: --runs must be at least 1");
            return 2;
        }

        try
        {
            using var session = InferenceSession.Create(model.FullName, new SessionOptions { IntraOpThreads = threads });
            var latencies = Time(session, runs);
            var p50 = Percentile(latencies, 0.5);
            if (json)
            {
                WriteJson(output, model, session, runs, threads, p50);
            }
            else
            {
                WriteText(output, model, session, runs, p50);
            }

            return 0;
        }
        catch (Exception e) when (e is OrtException or OrtLibraryNotFoundException or NotSupportedException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static double[] Time(InferenceSession session, int runs)
    {
        var random = new Random(1234);
        var inputs = RandomInputs.For(session, FreeDimensionSize, random);
        // One untimed run: the first Run allocates the arena and is not what users see in steady state.
        session.Run(inputs).Dispose();
        var latencies = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var start = Stopwatch.GetTimestamp();
            session.Run(inputs).Dispose();
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        return latencies;
    }

    private static double Percentile(double[] values, double q)
    {
        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(q * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    private static string Dims(TensorMetadata t) =>
        "[" + string.Join(",", t.Shape.Select((d, i) => d >= 0
            ? d.ToString(CultureInfo.InvariantCulture)
            : t.SymbolicDimensions[i].Length > 0 ? t.SymbolicDimensions[i] : "?")) + "]";

    private static void WriteText(TextWriter output, FileInfo model, InferenceSession session, int runs, double p50)
    {
        output.WriteLine($"model   {model.FullName}");
        output.WriteLine($"runtime ONNX Runtime {OrtEnvironment.Instance.RuntimeVersion} ({OrtEnvironment.Instance.LibraryPath})");
        foreach (var (kind, list) in new[] { ("input ", session.Inputs), ("output", session.Outputs) })
        {
            foreach (var t in list)
            {
                output.WriteLine($"{kind}  {t.Name,-16} {t.ElementType.ToKServeDatatype(),-6} {Dims(t)}");
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"latency p50 {p50:F3} ms over {runs} runs (free dimensions = {FreeDimensionSize})"));
    }

    private static void WriteJson(TextWriter output, FileInfo model, InferenceSession session, int runs, int threads, double p50)
    {
        static object Describe(TensorMetadata t) => new
        {
            name = t.Name,
            datatype = t.ElementType.ToKServeDatatype(),
            shape = t.Shape,
            symbolic_dims = t.SymbolicDimensions,
        };

        var document = new
        {
            model = model.FullName,
            runtime_version = OrtEnvironment.Instance.RuntimeVersion,
            inputs = session.Inputs.Select(Describe).ToArray(),
            outputs = session.Outputs.Select(Describe).ToArray(),
            runs,
            intra_op_threads = threads,
            latency_p50_ms = p50,
        };
        output.WriteLine(JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true }));
    }
}

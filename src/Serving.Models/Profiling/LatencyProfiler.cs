using System.Diagnostics;
using Serving.OnnxRuntime;

namespace Serving.Models.Profiling;

/// <summary>Measures a model's latency distribution per batch size with seeded random inputs.</summary>
/// <remarks>
/// Distributions, not means (DESIGN.md section 4): input-dependent models (dynamic routing) differ
/// between p50 and p99, and the selector reads the percentile an SLO asks for. Each batch size gets
/// untimed warm-up runs first (arena growth, lazy kernels); random inputs are reseeded per run so
/// input-dependent paths see varied data.
/// </remarks>
public static class LatencyProfiler
{
    public static LatencyProfile Measure(
        InferenceSession session, string modelName, IReadOnlyList<int> batchSizes, int runs, int warmup, int intraOpThreads, string device, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        var batchable = session.Inputs.All(i => i.Shape.Count > 0 && i.Shape[0] < 0);
        var sizes = batchable ? batchSizes : [1];
        var random = new Random(seed);
        var batches = new List<BatchLatency>(sizes.Count);
        foreach (var size in sizes)
        {
            var inputSets = Enumerable.Range(0, Math.Min(runs, 8)).Select(_ => RandomInputs.For(session, size, random)).ToArray();
            for (var i = 0; i < warmup; i++)
            {
                session.Run(inputSets[i % inputSets.Length]).Dispose();
            }

            var micros = new double[runs];
            for (var i = 0; i < runs; i++)
            {
                var start = Stopwatch.GetTimestamp();
                session.Run(inputSets[i % inputSets.Length]).Dispose();
                micros[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            }

            Array.Sort(micros);
            batches.Add(new BatchLatency(size, Percentile(micros, 0.50), Percentile(micros, 0.95), Percentile(micros, 0.99), runs));
        }

        return new LatencyProfile(modelName, device, intraOpThreads, $"{Environment.ProcessorCount} cpus, {Environment.MachineName}", DateTimeOffset.UtcNow, batches);
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    internal static double Percentile(double[] sorted, double q)
    {
        var rank = (int)Math.Ceiling(q * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }
}

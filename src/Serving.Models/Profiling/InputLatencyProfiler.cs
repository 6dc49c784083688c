using System.Diagnostics;
using Serving.Models.Imaging;
using Serving.Models.Pipelines.Segmentation;
using Serving.OnnxRuntime;

namespace Serving.Models.Profiling;

/// <summary>Latency over real inputs: one batch-1 run per image (after warm-up), so an input-dependent model shows its spread.</summary>
/// <remarks>
/// Random tensors hide what a dynamic-routing network does with real pictures (its gates decide
/// how much runs); here each image is resized to the model's input (bilinear, pixels scaled to
/// [0, 1]) and timed <c>runs</c> times, its median counted once. WeightNet-style models, whose cost
/// does not depend on the input, come out flat.
/// </remarks>
public static class InputLatencyProfiler
{
    /// <summary>The distribution of per-image median latencies.</summary>
    public sealed record Result(string Model, int Images, double P50Microseconds, double P99Microseconds, double MinMicroseconds, double MaxMicroseconds)
    {
        /// <summary>p99 / p50: about 1 for a flat model.</summary>
        public double Spread => P99Microseconds / Math.Max(1e-9, P50Microseconds);
    }

    /// <exception cref="NotSupportedException">The model's first input is not an image tensor ([N,3,H,W] or [N,H,W,3]).</exception>
    public static Result Measure(InferenceSession session, string model, IEnumerable<string> imageFiles, int runs = 3, int warmup = 3)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        var input = session.Inputs[0];
        var shape = input.Shape;
        if (shape.Count != 4 || (shape[1] != 3 && shape[3] != 3))
        {
            throw new NotSupportedException($"{model}: input '{input.Name}' [{string.Join(",", shape)}] is not an image tensor");
        }

        var nhwc = shape[3] == 3 && shape[1] != 3;
        var (height, width) = nhwc ? ((int)shape[1], (int)shape[2]) : ((int)shape[2], (int)shape[3]);
        var spec = new SegmentationModelSpec(model, width, height, nhwc, 1f / 255f, 0f);
        long[] tensorShape = [1, .. spec.InputShape(1).Skip(1).Select(d => (long)d)];
        var tensors = new List<NamedTensor>();
        foreach (var file in imageFiles)
        {
            using var image = ImageCodec.Decode(File.ReadAllBytes(file));
            var data = new float[width * height * 3];
            Bilinear.ResizeRgb(image.Pixels, image.Width, image.Height, spec, data);
            tensors.Add(NamedTensor.Create<float>(input.Name, tensorShape, data));
        }

        if (tensors.Count == 0)
        {
            throw new ArgumentException("no images", nameof(imageFiles));
        }

        for (var i = 0; i < warmup; i++)
        {
            session.Run([tensors[i % tensors.Count]]).Dispose();
        }

        var medians = new double[tensors.Count];
        var samples = new double[runs];
        for (var t = 0; t < tensors.Count; t++)
        {
            for (var r = 0; r < runs; r++)
            {
                var start = Stopwatch.GetTimestamp();
                session.Run([tensors[t]]).Dispose();
                samples[r] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            }

            Array.Sort(samples);
            medians[t] = samples[runs / 2];
        }

        Array.Sort(medians);
        return new Result(model, medians.Length, LatencyProfiler.Percentile(medians, 0.50), LatencyProfiler.Percentile(medians, 0.99), medians[0], medians[^1]);
    }
}

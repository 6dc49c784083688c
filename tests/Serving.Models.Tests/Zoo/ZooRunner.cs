using Serving.Models.Onnx;
using Serving.Models.Onnx.Proto;
using Serving.OnnxRuntime;

namespace Serving.Models.Tests.Zoo;

/// <summary>Runs zoo models in the real ONNX Runtime on seeded images.</summary>
internal static class ZooRunner
{
    public static InferenceSession Load(ModelProto model) =>
        InferenceSession.Create(model.ToBytes(), new SessionOptions { IntraOpThreads = 1 });

    /// <summary>A seeded image batch in [-1, 1], NCHW.</summary>
    public static float[] Images(int seed, int batch, int size)
    {
        var random = new Random(seed);
        var data = new float[batch * 3 * size * size];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return data;
    }

    /// <summary>Runs one batch and returns every output as a flat array, in output order.</summary>
    public static float[][] Run(InferenceSession session, int batch, int size, float[] images)
    {
        using var result = session.Run([NamedTensor.Create<float>("input", [batch, 3, size, size], images)]);
        var outputs = new float[result.Count][];
        for (var i = 0; i < outputs.Length; i++)
        {
            outputs[i] = result[i].GetSpan<float>().ToArray();
        }

        return outputs;
    }

    /// <summary>
    /// Batch of two vs. each image alone: the per-sample outputs must agree (the model batches).
    /// Returns the batch-2 output 0 for further checks.
    /// </summary>
    public static float[] AssertBatchesLikeSingles(ModelProto model, int size, int seed)
    {
        using var session = Load(model);
        var images = Images(seed, 2, size);
        var perImage = 3 * size * size;
        var batched = Run(session, 2, size, images)[0];
        var first = Run(session, 1, size, images[..perImage])[0];
        var second = Run(session, 1, size, images[perImage..])[0];

        Assert.Equal(batched.Length, first.Length * 2);
        Assert.All(batched, v => Assert.True(float.IsFinite(v), "output must be finite"));
        var scale = Math.Max(1f, batched.Max(MathF.Abs));
        for (var i = 0; i < first.Length; i++)
        {
            Assert.True(MathF.Abs(batched[i] - first[i]) <= 1e-4f * scale, $"sample 0, element {i}: {batched[i]} vs {first[i]}");
            Assert.True(MathF.Abs(batched[first.Length + i] - second[i]) <= 1e-4f * scale, $"sample 1, element {i}: {batched[first.Length + i]} vs {second[i]}");
        }

        return batched;
    }
}

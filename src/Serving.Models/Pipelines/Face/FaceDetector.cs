using System.Buffers;
using Serving.Models.Imaging;
using Serving.OnnxRuntime;

namespace Serving.Models.Pipelines.Face;

/// <summary>Runs the RFB-320 detector (fr_detect) and turns its outputs into face boxes.</summary>
/// <remarks>
/// The model takes the whole image squeezed to 320x240 (aspect ratio not kept: the model was trained so),
/// RGB (x - 127) / 128, and returns for 4420 priors a softmaxed [background, face] pair and a box already
/// decoded to corners normalised to 0..1 (checked on the dev images: corners lie in 0..1 and match faces).
/// Candidates above the score threshold go through greedy non-maximum suppression.
/// </remarks>
internal static class FaceDetector
{
    internal const int InputWidth = 320;
    internal const int InputHeight = 240;

    /// <summary>All faces in <paramref name="image"/>, highest score first.</summary>
    public static async Task<IReadOnlyList<FaceBox>> DetectAsync(
        IModelRunner runner, string model, RgbImage image, FaceOptions options, CancellationToken cancellationToken)
    {
        const int length = 3 * InputWidth * InputHeight;
        float[] input = ArrayPool<float>.Shared.Rent(length);
        try
        {
            Sampling.ToChw(image, input, InputWidth, InputHeight, Sampling.Resize(0, 0, image.Width, image.Height, InputWidth, InputHeight), 127f, 128f);
            NamedTensor tensor = NamedTensor.Create<float>("input", [1, 3, InputHeight, InputWidth], input.AsMemory(0, length));
            using ModelOutputs outputs = await runner.RunAsync(model, [tensor], cancellationToken).ConfigureAwait(false);
            return Decode(outputs["scores"].GetSpan<float>(), outputs["boxes"].GetSpan<float>(), image.Width, image.Height, options);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(input);
        }
    }

    /// <summary>Thresholds, scales to pixels and suppresses overlapping boxes.</summary>
    internal static IReadOnlyList<FaceBox> Decode(ReadOnlySpan<float> scores, ReadOnlySpan<float> boxes, int width, int height, FaceOptions options)
    {
        var candidates = new List<FaceBox>();
        int priors = scores.Length / 2;
        for (int i = 0; i < priors; i++)
        {
            float score = scores[2 * i + 1];
            if (score >= options.ScoreThreshold)
            {
                candidates.Add(new FaceBox(
                    Math.Clamp(boxes[4 * i], 0, 1) * width, Math.Clamp(boxes[4 * i + 1], 0, 1) * height,
                    Math.Clamp(boxes[4 * i + 2], 0, 1) * width, Math.Clamp(boxes[4 * i + 3], 0, 1) * height, score));
            }
        }

        return Suppress(candidates, options.NmsIou);
    }

    /// <summary>Greedy NMS: keep the best, drop what overlaps it more than <paramref name="iou"/>, repeat.</summary>
    internal static IReadOnlyList<FaceBox> Suppress(List<FaceBox> candidates, float iou)
    {
        candidates.Sort((a, b) => b.Score.CompareTo(a.Score));
        var kept = new List<FaceBox>();
        foreach (FaceBox box in candidates)
        {
            if (box.Area > 0 && kept.TrueForAll(k => k.IoU(box) <= iou))
            {
                kept.Add(box);
            }
        }

        return kept;
    }
}

using System.Numerics;
using Serving.Models.Imaging;
using Serving.OnnxRuntime;

namespace Serving.Models.Pipelines.Face;

/// <summary>Runs the 68-point landmark model (fr_landmark) on a face box and reduces to five points.</summary>
/// <remarks>
/// The model sees a 64x64 grey crop (luma / 256) and answers 68 (x, y) pairs in 0..1 of the crop, in the
/// iBUG 300-W order. The crop is the detector's box as it is (stretched to 64x64). Measured on the faces dev
/// set (316 pairs): the box as is, the box squared, squared and enlarged 10%, and the box scaled 0.95 or 1.05
/// all gave AUC 0.9999-1.0000 and 99.68% best accuracy; the plain box is the simplest of the equals.
/// </remarks>
internal static class FaceLandmarker
{
    internal const int InputSize = 64;

    /// <summary>The 68 points of the face in <paramref name="box"/>, in image pixels.</summary>
    public static async Task<Vector2[]> LocateAsync(IModelRunner runner, string model, RgbImage image, FaceBox box, CancellationToken cancellationToken)
    {
        (float left, float top, float width, float height) = (box.X1, box.Y1, box.Width, box.Height);
        float[] input = new float[InputSize * InputSize];
        ReadOnlySpan<byte> pixels = image.Pixels;
        Func<int, int, Vector2> map = Sampling.Resize(left, top, width, height, InputSize, InputSize);
        for (int v = 0; v < InputSize; v++)
        {
            for (int u = 0; u < InputSize; u++)
            {
                Vector2 p = map(u, v);
                float r = Sampling.Bilinear(pixels, image.Width, image.Height, p.X, p.Y, 0);
                float g = Sampling.Bilinear(pixels, image.Width, image.Height, p.X, p.Y, 1);
                float b = Sampling.Bilinear(pixels, image.Width, image.Height, p.X, p.Y, 2);
                input[v * InputSize + u] = (0.299f * r + 0.587f * g + 0.114f * b) / 256f;
            }
        }

        NamedTensor tensor = NamedTensor.Create<float>("input", [1, 1, InputSize, InputSize], input);
        using ModelOutputs outputs = await runner.RunAsync(model, [tensor], cancellationToken).ConfigureAwait(false);
        ReadOnlySpan<float> values = outputs.Outputs[0].GetSpan<float>();
        var points = new Vector2[68];
        for (int i = 0; i < 68; i++)
        {
            points[i] = new Vector2(left + values[2 * i] * width, top + values[2 * i + 1] * height);
        }

        return points;
    }

    /// <summary>Eye centres (image-left, image-right), nose tip, mouth corners: the ArcFace template's order.</summary>
    public static Vector2[] FivePoints(IReadOnlyList<Vector2> points) =>
    [
        Mean(points, 36, 41),
        Mean(points, 42, 47),
        points[30],
        points[48],
        points[54],
    ];

    private static Vector2 Mean(IReadOnlyList<Vector2> points, int first, int last)
    {
        Vector2 sum = Vector2.Zero;
        for (int i = first; i <= last; i++)
        {
            sum += points[i];
        }

        return sum / (last - first + 1);
    }
}

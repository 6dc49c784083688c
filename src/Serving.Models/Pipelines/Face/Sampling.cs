using System.Numerics;
using Serving.Models.Imaging;

namespace Serving.Models.Pipelines.Face;

/// <summary>Bilinear sampling of an <see cref="RgbImage"/> into model input tensors.</summary>
/// <remarks>
/// Every model input here is "sample the source at a mapped position, normalise": a resize, a crop and an
/// affine warp differ only in the mapping, so one routine serves all three. Positions are in pixel-centre
/// coordinates (pixel i covers [i, i+1) and its centre is i + 0.5 in continuous terms; we sample at integer
/// positions = centres, as OpenCV does); samples outside the image read black, as OpenCV's default border.
/// </remarks>
internal static class Sampling
{
    /// <summary>Samples channel <paramref name="c"/> at (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public static float Bilinear(ReadOnlySpan<byte> pixels, int width, int height, float x, float y, int c)
    {
        int x0 = (int)MathF.Floor(x);
        int y0 = (int)MathF.Floor(y);
        float fx = x - x0;
        float fy = y - y0;
        float top = Lerp(At(pixels, width, height, x0, y0, c), At(pixels, width, height, x0 + 1, y0, c), fx);
        float bottom = Lerp(At(pixels, width, height, x0, y0 + 1, c), At(pixels, width, height, x0 + 1, y0 + 1, c), fx);
        return Lerp(top, bottom, fy);
    }

    /// <summary>
    /// Fills a planar RGB tensor [3, outHeight, outWidth] with <c>(value - mean) / scale</c> sampled where
    /// <paramref name="map"/> sends each output pixel.
    /// </summary>
    public static void ToChw(RgbImage image, Span<float> target, int outWidth, int outHeight, Func<int, int, Vector2> map, float mean, float scale)
    {
        ReadOnlySpan<byte> pixels = image.Pixels;
        int plane = outWidth * outHeight;
        for (int v = 0; v < outHeight; v++)
        {
            for (int u = 0; u < outWidth; u++)
            {
                Vector2 p = map(u, v);
                int at = v * outWidth + u;
                for (int c = 0; c < 3; c++)
                {
                    target[c * plane + at] = (Bilinear(pixels, image.Width, image.Height, p.X, p.Y, c) - mean) / scale;
                }
            }
        }
    }

    /// <summary>The mapping of a plain resize to <paramref name="outWidth"/> x <paramref name="outHeight"/> (pixel centres aligned).</summary>
    public static Func<int, int, Vector2> Resize(float left, float top, float width, float height, int outWidth, int outHeight)
    {
        float sx = width / outWidth;
        float sy = height / outHeight;
        return (u, v) => new Vector2(left + (u + 0.5f) * sx - 0.5f, top + (v + 0.5f) * sy - 0.5f);
    }

    private static float Lerp(float a, float b, float t) => a + (b - a) * t;

    private static float At(ReadOnlySpan<byte> pixels, int width, int height, int x, int y, int c) =>
        (uint)x < (uint)width && (uint)y < (uint)height ? pixels[(y * width + x) * 3 + c] : 0f;
}

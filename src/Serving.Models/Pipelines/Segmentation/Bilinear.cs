namespace Serving.Models.Pipelines.Segmentation;

/// <summary>
/// Bilinear resampling with half-pixel centres (the convention of OpenCV INTER_LINEAR, PIL and TF
/// half_pixel_centers), so a map resized down and back up stays aligned with the image.
/// </summary>
internal static class Bilinear
{
    /// <summary>Resizes interleaved 8-bit RGB to the spec's size and normalises it into <paramref name="output"/> in the spec's layout.</summary>
    public static void ResizeRgb(ReadOnlySpan<byte> rgb, int width, int height, SegmentationModelSpec spec, Span<float> output)
    {
        int outWidth = spec.Width, outHeight = spec.Height, plane = outWidth * outHeight;
        for (var y = 0; y < outHeight; y++)
        {
            var (y0, y1, fy) = Source(y, outHeight, height);
            for (var x = 0; x < outWidth; x++)
            {
                var (x0, x1, fx) = Source(x, outWidth, width);
                for (var c = 0; c < 3; c++)
                {
                    var top = Lerp(rgb[((y0 * width) + x0) * 3 + c], rgb[((y0 * width) + x1) * 3 + c], fx);
                    var bottom = Lerp(rgb[((y1 * width) + x0) * 3 + c], rgb[((y1 * width) + x1) * 3 + c], fx);
                    var value = Lerp(top, bottom, fy) * spec.Scale + spec.Offset;
                    output[spec.Nhwc ? ((y * outWidth) + x) * 3 + c : (c * plane) + (y * outWidth) + x] = value;
                }
            }
        }
    }

    /// <summary>Resizes a single-channel float map.</summary>
    public static float[] ResizeMap(ReadOnlySpan<float> map, int width, int height, int outWidth, int outHeight)
    {
        var result = new float[outWidth * outHeight];
        for (var y = 0; y < outHeight; y++)
        {
            var (y0, y1, fy) = Source(y, outHeight, height);
            for (var x = 0; x < outWidth; x++)
            {
                var (x0, x1, fx) = Source(x, outWidth, width);
                var top = Lerp(map[(y0 * width) + x0], map[(y0 * width) + x1], fx);
                var bottom = Lerp(map[(y1 * width) + x0], map[(y1 * width) + x1], fx);
                result[(y * outWidth) + x] = Lerp(top, bottom, fy);
            }
        }

        return result;
    }

    private static (int Low, int High, float Fraction) Source(int index, int outSize, int inSize)
    {
        var position = Math.Clamp(((index + 0.5f) * inSize / outSize) - 0.5f, 0f, inSize - 1);
        var low = (int)position;
        return (low, Math.Min(low + 1, inSize - 1), position - low);
    }

    private static float Lerp(float a, float b, float t) => a + ((b - a) * t);
}

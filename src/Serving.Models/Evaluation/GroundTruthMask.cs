using Serving.Models.Imaging;

namespace Serving.Models.Evaluation;

/// <summary>
/// A labelled mask read for scoring. Binary masks (grey 0/255) mark foreground by brightness;
/// VOC colour-coded targets mark every non-background colour as foreground, except the void
/// border colour (224,224,192), which is excluded from scoring as the VOC protocol says.
/// </summary>
internal sealed record GroundTruthMask(int Width, int Height, bool[] Foreground, bool[] Ignored)
{
    public static GroundTruthMask Decode(ReadOnlySpan<byte> png)
    {
        using var image = ImageCodec.Decode(png);
        ReadOnlySpan<byte> rgb = image.Pixels;
        int width = image.Width, height = image.Height;
        var foreground = new bool[width * height];
        var ignored = new bool[width * height];
        for (var i = 0; i < foreground.Length; i++)
        {
            byte r = rgb[i * 3], g = rgb[(i * 3) + 1], b = rgb[(i * 3) + 2];
            if (r == g && g == b)
            {
                foreground[i] = r >= 128;
            }
            else if (r == 224 && g == 224 && b == 192)
            {
                ignored[i] = true;
            }
            else
            {
                foreground[i] = true;
            }
        }

        return new GroundTruthMask(width, height, foreground, ignored);
    }

    /// <summary>Intersection over union of <paramref name="predicted"/> (0/255) with this mask, void pixels excluded; 1 when both are empty.</summary>
    public double IoU(ReadOnlySpan<byte> predicted)
    {
        if (predicted.Length != Foreground.Length)
        {
            throw new ArgumentException($"the prediction has {predicted.Length} pixels, the mask {Foreground.Length}", nameof(predicted));
        }

        long intersection = 0, union = 0;
        for (var i = 0; i < predicted.Length; i++)
        {
            if (Ignored[i])
            {
                continue;
            }

            var p = predicted[i] >= 128;
            intersection += p && Foreground[i] ? 1 : 0;
            union += p || Foreground[i] ? 1 : 0;
        }

        return union == 0 ? 1.0 : (double)intersection / union;
    }
}

using Serving.Models.Imaging;

namespace Serving.Models.Pipelines.Segmentation;

/// <summary>A segmentation at the input image's size: probabilities, the thresholded mask (0/255) and its foreground share.</summary>
public sealed record SegmentationResult(int Width, int Height, float[] Probability, byte[] Mask, double ForegroundFraction)
{
    /// <summary>The mask as an 8-bit greyscale PNG (0 background, 255 foreground).</summary>
    public byte[] MaskPng() => ImageCodec.EncodePng(Mask, Width, Height, 1);
}

namespace Serving.Models.Pipelines.Segmentation;

/// <summary>
/// How one segmentation model wants its input and gives its output: the square input size, the
/// layout, and the per-pixel normalisation <c>value = pixel * Scale + Offset</c> on RGB 0..255.
/// The output is one probability channel at the input size ([N,H,W,1] and [N,1,H,W] share a memory layout).
/// </summary>
public sealed record SegmentationModelSpec(string Name, int Width, int Height, bool Nhwc, float Scale, float Offset)
{
    /// <summary>MediaPipe selfie segmentation (TF.js import): NHWC [N,256,256,3] RGB/255.</summary>
    public static SegmentationModelSpec Selfie { get; } = new("selfie", 256, 256, Nhwc: true, Scale: 1f / 255f, Offset: 0f);

    /// <summary>IS-Net (DIS) medium: NCHW [N,3,1024,1024] (RGB - 128) / 256.</summary>
    public static SegmentationModelSpec IsNet { get; } = new("isnet", 1024, 1024, Nhwc: false, Scale: 1f / 256f, Offset: -0.5f);

    public int[] InputShape(int batch) => Nhwc ? [batch, Height, Width, 3] : [batch, 3, Height, Width];
}

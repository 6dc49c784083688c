using Serving.Models.Imaging;
using Serving.Models.Pipelines.Segmentation;

namespace Serving.Models.Tests.Pipelines.Segmentation;

/// <summary>The segmentation pipeline around a scripted model: what reaches the model, and what comes back at the image's size.</summary>
public sealed class SegmentationPipelineTests
{
    /// <summary>A model whose map is 1 on the left half of the model's input and 0 on the right; it records its input.</summary>
    private sealed class LeftHalfModel(SegmentationModelSpec spec) : ISegmentationModel
    {
        public float[]? LastInput { get; private set; }

        public SegmentationModelSpec Spec { get; } = spec;

        public ValueTask<float[]> RunAsync(float[] input, int batch, CancellationToken cancellationToken)
        {
            LastInput = input;
            var map = new float[batch * Spec.Width * Spec.Height];
            for (var i = 0; i < map.Length; i++)
            {
                map[i] = i % Spec.Width < Spec.Width / 2 ? 1f : 0f;
            }

            return ValueTask.FromResult(map);
        }
    }

    private static byte[] SolidPng(int width, int height, byte r, byte g, byte b) =>
        ImageCodec.EncodePng(Enumerable.Repeat(new[] { r, g, b }, width * height).SelectMany(p => p).ToArray(), width, height, 3);

    [Fact]
    public async Task Segment_LeftHalfMap_MaskAtInputSizeWithHalfForeground()
    {
        var model = new LeftHalfModel(new SegmentationModelSpec("t", 16, 16, Nhwc: true, Scale: 1f / 255f, Offset: 0f));
        var pipeline = new SegmentationPipeline(model);

        var result = await pipeline.SegmentAsync(SolidPng(40, 30, 255, 0, 51), CancellationToken.None);

        Assert.Equal((40, 30), (result.Width, result.Height));
        Assert.Equal(0.5, result.ForegroundFraction, 3);
        Assert.Equal(255, result.Mask[0]);
        Assert.Equal(0, result.Mask[39]);

        // NHWC RGB/255 reached the model.
        Assert.Equal(1f, model.LastInput![0], 6);
        Assert.Equal(0f, model.LastInput[1], 6);
        Assert.Equal(0.2f, model.LastInput[2], 6);
    }

    [Fact]
    public async Task Segment_NchwSpec_NormalisesPerChannelPlane()
    {
        var model = new LeftHalfModel(new SegmentationModelSpec("t", 8, 8, Nhwc: false, Scale: 1f / 256f, Offset: -0.5f));

        await new SegmentationPipeline(model).SegmentAsync(SolidPng(5, 5, 128, 0, 255), CancellationToken.None);

        Assert.Equal(0f, model.LastInput![0]);
        Assert.Equal(-0.5f, model.LastInput[64]);
        Assert.Equal((255f / 256f) - 0.5f, model.LastInput[128], 6);
    }

    [Fact]
    public async Task MaskPng_DecodesToTheSameMask()
    {
        var result = await new SegmentationPipeline(new LeftHalfModel(SegmentationModelSpec.Selfie)).SegmentAsync(SolidPng(33, 17, 9, 9, 9), CancellationToken.None);

        using var decoded = ImageCodec.Decode(result.MaskPng());

        Assert.Equal((33, 17), (decoded.Width, decoded.Height));
        // A grey PNG decodes to RGB with the grey value in every channel.
        var red = new byte[decoded.Width * decoded.Height];
        for (var i = 0; i < red.Length; i++)
        {
            red[i] = decoded.Pixels[i * 3];
        }

        Assert.Equal(result.Mask, red);
    }

    [Theory]
    [InlineData(new byte[0], "empty")]
    [InlineData(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, "not a JPEG, PNG or WebP")]
    public async Task Segment_NotAnImage_SaysWhy(byte[] bytes, string expected)
    {
        var pipeline = new SegmentationPipeline(new LeftHalfModel(SegmentationModelSpec.Selfie));

        var error = await Assert.ThrowsAsync<ImageDecodeException>(async () => await pipeline.SegmentAsync(bytes, CancellationToken.None));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Segment_TruncatedPng_IsRejected()
    {
        var png = SolidPng(64, 64, 1, 2, 3);
        var pipeline = new SegmentationPipeline(new LeftHalfModel(SegmentationModelSpec.Selfie));

        await Assert.ThrowsAsync<ImageDecodeException>(async () => await pipeline.SegmentAsync(png.AsMemory(0, png.Length / 2), CancellationToken.None));
    }
}

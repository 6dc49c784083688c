using Serving.Models.Imaging;

namespace Serving.Models.Pipelines.Segmentation;

/// <summary>
/// Encoded image in, mask out: decode, resize and normalise per the model's spec, run, resize the
/// probability map back to the image's size (bilinear), threshold.
/// </summary>
/// <remarks>
/// The map is resized before thresholding (not the mask after) so edges stay smooth at the
/// image's resolution. Stateless apart from the model, so one instance serves concurrent calls.
/// </remarks>
public sealed class SegmentationPipeline
{
    private readonly ISegmentationModel _model;

    public SegmentationPipeline(ISegmentationModel model, float threshold = 0.5f)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 0f);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(threshold, 1f);
        _model = model;
        Threshold = threshold;
    }

    public float Threshold { get; }

    /// <summary>Segments a JPEG, PNG or WebP image; <see cref="ImageDecodeException"/> for bytes that are not one.</summary>
    public ValueTask<SegmentationResult> SegmentAsync(ReadOnlyMemory<byte> encodedImage, CancellationToken cancellationToken)
    {
        using var image = ImageCodec.Decode(encodedImage.Span);
        // The model input is built before the first await, so the pooled pixels can go back at once.
        return SegmentPreparedAsync(Prepare(image.Pixels, image.Width, image.Height), image.Width, image.Height, cancellationToken);
    }

    /// <summary>Segments decoded interleaved RGB pixels.</summary>
    public ValueTask<SegmentationResult> SegmentRgbAsync(byte[] rgb, int width, int height, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rgb);
        if (width <= 0 || height <= 0 || rgb.Length != width * height * 3)
        {
            throw new ArgumentException($"{rgb.Length} bytes are not a {width}x{height} RGB image", nameof(rgb));
        }

        return SegmentPreparedAsync(Prepare(rgb, width, height), width, height, cancellationToken);
    }

    private float[] Prepare(ReadOnlySpan<byte> rgb, int width, int height)
    {
        var spec = _model.Spec;
        var input = new float[spec.Width * spec.Height * 3];
        Bilinear.ResizeRgb(rgb, width, height, spec, input);
        return input;
    }

    private async ValueTask<SegmentationResult> SegmentPreparedAsync(float[] input, int width, int height, CancellationToken cancellationToken)
    {
        var spec = _model.Spec;
        var map = await _model.RunAsync(input, 1, cancellationToken).ConfigureAwait(false);
        var probability = Bilinear.ResizeMap(map, spec.Width, spec.Height, width, height);
        var mask = new byte[probability.Length];
        var foreground = 0;
        for (var i = 0; i < mask.Length; i++)
        {
            if (probability[i] >= Threshold)
            {
                mask[i] = 255;
                foreground++;
            }
        }

        return new SegmentationResult(width, height, probability, mask, (double)foreground / mask.Length);
    }
}

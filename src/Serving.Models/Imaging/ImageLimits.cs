namespace Serving.Models.Imaging;

/// <summary>Upper bounds applied before and while decoding untrusted image bytes.</summary>
/// <remarks>
/// A few kilobytes of PNG or JPEG can declare a gigapixel image (a decompression bomb); the pixel limit is
/// checked on the header, before any pixel is decompressed, so such input costs almost nothing to refuse.
/// Defaults fit camera photos (up to 40 megapixels, 32 MiB encoded) while bounding memory per request
/// to ~120 MB of RGB.
/// </remarks>
/// <param name="MaxEncodedBytes">Largest accepted encoded input.</param>
/// <param name="MaxPixels">Largest accepted width x height.</param>
/// <param name="MaxDimension">Largest accepted width or height on its own (guards long, thin images).</param>
public sealed record ImageLimits(int MaxEncodedBytes, long MaxPixels, int MaxDimension)
{
    /// <summary>The limits the services use unless configured otherwise.</summary>
    public static ImageLimits Default { get; } = new(32 * 1024 * 1024, 40_000_000, 16_384);
}

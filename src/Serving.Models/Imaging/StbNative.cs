using System.Runtime.InteropServices;

namespace Serving.Models.Imaging;

/// <summary>
/// Minimal JPEG/PNG decode and PNG encode through Debian's libstb0 (stb_image / stb_image_write),
/// the only image codec available here (no managed image library on the package mirror).
/// Decoded pixels are interleaved 8-bit, row-major, <c>channels</c> per pixel.
/// </summary>
/// <remarks>
/// Bounds are checked from the header (<c>stbi_info_from_memory</c>) before decoding, so a
/// decompression bomb is refused without allocating its pixels. Every buffer stb allocates is
/// copied into managed memory and freed in <c>finally</c>.
/// </remarks>
internal static unsafe partial class StbNative
{
    /// <summary>Largest image we decode: 64 megapixels (a 8192x8192 photo), beyond any camera input we serve.</summary>
    public const long MaxPixels = 64L * 1024 * 1024;

    private const string Library = "libstb.so.0";

    /// <summary>Decodes <paramref name="encoded"/> into <paramref name="channels"/> (1 grey, 3 RGB) 8-bit channels per pixel.</summary>
    public static byte[] Decode(ReadOnlySpan<byte> encoded, int channels, out int width, out int height)
    {
        if (channels is not (1 or 3 or 4))
        {
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "1, 3 or 4 channels");
        }

        if (encoded.IsEmpty)
        {
            throw new InvalidDataException("the image is empty (0 bytes)");
        }

        int w, h, stored;
        fixed (byte* data = encoded)
        {
            if (stbi_info_from_memory(data, encoded.Length, &w, &h, &stored) == 0)
            {
                throw new InvalidDataException("not a decodable JPEG or PNG image: " + FailureReason());
            }

            if ((long)w * h > MaxPixels)
            {
                throw new InvalidDataException($"the image is {w}x{h} pixels, more than the limit of {MaxPixels} pixels");
            }

            var pixels = stbi_load_from_memory(data, encoded.Length, &w, &h, &stored, channels);
            if (pixels is null)
            {
                throw new InvalidDataException("the image could not be decoded (truncated or corrupt): " + FailureReason());
            }

            try
            {
                (width, height) = (w, h);
                return new ReadOnlySpan<byte>(pixels, checked(w * h * channels)).ToArray();
            }
            finally
            {
                stbi_image_free(pixels);
            }
        }
    }

    /// <summary>Encodes interleaved 8-bit pixels as PNG.</summary>
    public static byte[] EncodePng(ReadOnlySpan<byte> pixels, int width, int height, int channels)
    {
        if (pixels.Length != checked(width * height * channels))
        {
            throw new ArgumentException($"{pixels.Length} bytes do not hold a {width}x{height}x{channels} image", nameof(pixels));
        }

        int length;
        fixed (byte* data = pixels)
        {
            var png = stbi_write_png_to_mem(data, width * channels, width, height, channels, &length);
            if (png is null)
            {
                throw new InvalidOperationException($"PNG encoding of a {width}x{height}x{channels} image failed");
            }

            try
            {
                return new ReadOnlySpan<byte>(png, length).ToArray();
            }
            finally
            {
                // stb_image_write allocates with the C library's malloc (STBIW_MALLOC).
                NativeMemory.Free(png);
            }
        }
    }

    private static string FailureReason()
    {
        var reason = stbi_failure_reason();
        return reason is null ? "unknown reason" : Marshal.PtrToStringUTF8((nint)reason) ?? "unknown reason";
    }

    [LibraryImport(Library)]
    private static partial int stbi_info_from_memory(byte* buffer, int length, int* x, int* y, int* components);

    [LibraryImport(Library)]
    private static partial byte* stbi_load_from_memory(byte* buffer, int length, int* x, int* y, int* components, int desiredChannels);

    [LibraryImport(Library)]
    private static partial void stbi_image_free(void* pixels);

    [LibraryImport(Library)]
    private static partial byte* stbi_failure_reason();

    [LibraryImport(Library)]
    private static partial byte* stbi_write_png_to_mem(byte* pixels, int strideBytes, int x, int y, int channels, int* outLength);
}

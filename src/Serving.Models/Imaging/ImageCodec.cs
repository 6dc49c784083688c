using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Serving.Models.Imaging;

/// <summary>JPEG/PNG/WebP decoding and PNG encoding for untrusted request bytes (stb_image, libwebp).</summary>
/// <remarks>
/// <para>Order of checks, cheapest first, so that hostile input costs little: size of the bytes, the format's
/// signature (only JPEG, PNG and WebP: stb also parses BMP/GIF/PSD/HDR/PIC/PNM, more code exposed to
/// attackers than the services need), the declared dimensions from the header (decompression bombs are
/// refused here, before any pixel is inflated), a structural end-of-stream check (stb pads a truncated JPEG
/// with zeros and returns a half-grey image instead of failing; see <see cref="ImageHeader"/>), and only
/// then the decode.</para>
/// <para>Thread safety: every method may run concurrently; the decoders keep no shared state and stb's
/// failure reason is per thread.</para>
/// </remarks>
public static unsafe class ImageCodec
{
    /// <summary>Decodes JPEG, PNG or WebP bytes to RGB (grey and alpha are converted; alpha is dropped).</summary>
    /// <exception cref="ImageDecodeException">The bytes are empty, too large, not an accepted format, truncated, corrupt, or declare too many pixels.</exception>
    public static RgbImage Decode(ReadOnlySpan<byte> encoded, ImageLimits? limits = null)
    {
        limits ??= ImageLimits.Default;
        if (encoded.IsEmpty)
        {
            throw new ImageDecodeException("The image is empty (0 bytes).");
        }

        if (encoded.Length > limits.MaxEncodedBytes)
        {
            throw new ImageDecodeException($"The image is {encoded.Length} bytes; the limit is {limits.MaxEncodedBytes}.");
        }

        (ImageFormat format, int declaredWidth, int declaredHeight) = ImageHeader.Read(encoded);
        CheckDimensions(format, declaredWidth, declaredHeight, limits);
        fixed (byte* data = encoded)
        {
            int width, height, channels;
            byte* pixels = format == ImageFormat.WebP
                ? WebPNative.DecodeRgb(data, (nuint)encoded.Length, &width, &height)
                : StbNative.LoadFromMemory(data, encoded.Length, &width, &height, &channels, 3);
            if (pixels is null)
            {
                string reason = format == ImageFormat.WebP ? "libwebp refused it" : StbReason();
                throw new ImageDecodeException($"The {format} image could not be decoded ({reason}); it is truncated or corrupt.");
            }

            try
            {
                // The limits were checked on the header's size; a decoder disagreeing with it means a corrupt file.
                if (width != declaredWidth || height != declaredHeight)
                {
                    throw new ImageDecodeException($"The {format} image decoded to {width}x{height}, not the {declaredWidth}x{declaredHeight} its header declares.");
                }

                return RgbImage.FromPixels(width, height, new ReadOnlySpan<byte>(pixels, checked(width * height * 3)));
            }
            finally
            {
                if (format == ImageFormat.WebP)
                {
                    WebPNative.Free(pixels);
                }
                else
                {
                    StbNative.ImageFree(pixels);
                }
            }
        }
    }

    /// <summary>Encodes an RGB image as PNG (lossless).</summary>
    public static byte[] EncodePng(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return EncodePng(image.Pixels, image.Width, image.Height, 3);
    }

    /// <summary>Encodes 8-bit pixels (1 = grey, e.g. a mask; 3 = RGB; 4 = RGBA), rows without padding, as PNG.</summary>
    /// <exception cref="ArgumentException">The pixel count does not match the size.</exception>
    public static byte[] EncodePng(ReadOnlySpan<byte> pixels, int width, int height, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(channels, 4);
        if ((long)width * height * channels != pixels.Length)
        {
            throw new ArgumentException($"Expected {(long)width * height * channels} bytes for {width}x{height}x{channels}, got {pixels.Length}.", nameof(pixels));
        }

        var output = new ArrayBufferWriter<byte>(pixels.Length / 2 + 1024);
        GCHandle handle = GCHandle.Alloc(output);
        try
        {
            fixed (byte* data = pixels)
            {
                int ok = StbNative.WritePngToFunc(&Append, (void*)GCHandle.ToIntPtr(handle), width, height, channels, data, width * channels);
                if (ok == 0)
                {
                    throw new InvalidOperationException($"stb_image_write failed to encode a {width}x{height}x{channels} PNG.");
                }
            }
        }
        finally
        {
            handle.Free();
        }

        return output.WrittenSpan.ToArray();
    }

    /// <summary>stb_image_write's output callback: appends each chunk to the writer behind the context handle.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void Append(void* context, void* data, int size)
    {
        var output = (ArrayBufferWriter<byte>)GCHandle.FromIntPtr((nint)context).Target!;
        new ReadOnlySpan<byte>(data, size).CopyTo(output.GetSpan(size));
        output.Advance(size);
    }

    private static void CheckDimensions(ImageFormat format, int width, int height, ImageLimits limits)
    {
        if (width <= 0 || height <= 0)
        {
            throw new ImageDecodeException($"The {format} header declares an empty image ({width}x{height}).");
        }

        if (width > limits.MaxDimension || height > limits.MaxDimension || (long)width * height > limits.MaxPixels)
        {
            throw new ImageDecodeException(
                $"The {format} image is {width}x{height} ({(long)width * height} pixels); the limits are {limits.MaxDimension} per side and {limits.MaxPixels} pixels.");
        }
    }

    private static string StbReason()
    {
        nint reason = StbNative.FailureReason();
        return reason == 0 ? "no reason given" : Marshal.PtrToStringUTF8(reason) ?? "no reason given";
    }
}

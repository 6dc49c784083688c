using System.Buffers;

namespace Serving.Models.Imaging;

/// <summary>An 8-bit RGB image, rows top to bottom, pixels interleaved R,G,B, in a pooled buffer.</summary>
/// <remarks>
/// Ownership: the image owns its rented buffer and returns it to the pool on <see cref="Dispose"/>; the
/// spans it hands out must not be used after that. Not thread-safe for writes; concurrent reads are fine.
/// </remarks>
public sealed class RgbImage : IDisposable
{
    private byte[]? _buffer;

    private RgbImage(int width, int height, byte[] buffer)
    {
        Width = width;
        Height = height;
        _buffer = buffer;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Bytes per row (no padding: <c>3 * Width</c>).</summary>
    public int Stride => Width * 3;

    /// <summary>The pixels, <c>Height * Stride</c> bytes.</summary>
    /// <exception cref="ObjectDisposedException">The image was disposed.</exception>
    public Span<byte> Pixels => (_buffer ?? throw new ObjectDisposedException(nameof(RgbImage))).AsSpan(0, Height * Stride);

    /// <summary>A black image of the given size, in a pooled buffer.</summary>
    public static RgbImage Create(int width, int height)
    {
        RgbImage image = Rent(width, height);
        image.Pixels.Clear();
        return image;
    }

    /// <summary>Copies interleaved RGB pixels into a new image.</summary>
    public static RgbImage FromPixels(int width, int height, ReadOnlySpan<byte> rgb)
    {
        RgbImage image = Rent(width, height);
        if (rgb.Length != image.Pixels.Length)
        {
            image.Dispose();
            throw new ArgumentException($"Expected {(long)width * height * 3} bytes for {width}x{height} RGB, got {rgb.Length}.", nameof(rgb));
        }

        rgb.CopyTo(image.Pixels);
        return image;
    }

    /// <summary>An image over a rented, uncleared buffer (the caller overwrites every byte).</summary>
    private static RgbImage Rent(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        long length = (long)width * height * 3;
        if (length > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"A {width}x{height} RGB image does not fit in one buffer.");
        }

        return new RgbImage(width, height, ArrayPool<byte>.Shared.Rent((int)length));
    }

    /// <summary>Returns the buffer to the pool; idempotent.</summary>
    public void Dispose()
    {
        byte[]? buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

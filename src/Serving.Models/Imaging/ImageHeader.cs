using System.Buffers.Binary;

namespace Serving.Models.Imaging;

/// <summary>Recognises the format and reads the declared dimensions from the header, without decoding.</summary>
/// <remarks>
/// Read here rather than through stb's <c>stbi_info</c>: stb refuses large headers with a generic
/// "unknown image type" (it retries every format and reports the last failure), and a caller refused for
/// a decompression bomb should be told the dimensions. Truncation is detected here too (see each format).
/// </remarks>
internal static unsafe class ImageHeader
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Returns the format and declared size.</summary>
    /// <exception cref="ImageDecodeException">Not JPEG/PNG/WebP, truncated, or the header is unreadable.</exception>
    public static (ImageFormat Format, int Width, int Height) Read(ReadOnlySpan<byte> encoded)
    {
        if (encoded.Length >= 3 && encoded[0] == 0xFF && encoded[1] == 0xD8 && encoded[2] == 0xFF)
        {
            return ReadJpeg(encoded);
        }

        if (encoded.StartsWith(PngSignature))
        {
            return ReadPng(encoded);
        }

        if (encoded.Length >= 12 && encoded[..4].SequenceEqual("RIFF"u8) && encoded[8..12].SequenceEqual("WEBP"u8))
        {
            return ReadWebP(encoded);
        }

        throw new ImageDecodeException(
            $"The bytes are not a JPEG, PNG or WebP image (first bytes {Convert.ToHexString(encoded[..Math.Min(8, encoded.Length)])}).");
    }

    private static (ImageFormat, int, int) ReadJpeg(ReadOnlySpan<byte> encoded)
    {
        // The main image's last scan (SOS, FF DA) must be followed by the end-of-image marker (FF D9): stb pads
        // a cut JPEG with zeros and returns a half-grey image instead of failing. Entropy-coded data stuff
        // every FF with 00, so neither marker occurs inside a scan; an EXIF thumbnail's EOI lies before the
        // main scans and does not count.
        int lastScan = encoded.LastIndexOf([(byte)0xFF, (byte)0xDA]);
        int end = encoded.LastIndexOf([(byte)0xFF, (byte)0xD9]);
        if (lastScan < 0 || end < lastScan)
        {
            throw new ImageDecodeException("The JPEG image is truncated: no end-of-image marker after its last scan.");
        }

        // Walk the marker segments from SOI to the first start-of-frame, which holds the size.
        int at = 2;
        while (at + 4 <= encoded.Length)
        {
            if (encoded[at] != 0xFF)
            {
                break;
            }

            byte marker = encoded[at + 1];
            if (marker == 0xFF)
            {
                at++; // fill byte
                continue;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(encoded[(at + 2)..]);
            bool startOfFrame = marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC;
            if (startOfFrame && at + 9 <= encoded.Length)
            {
                int height = BinaryPrimitives.ReadUInt16BigEndian(encoded[(at + 5)..]);
                int width = BinaryPrimitives.ReadUInt16BigEndian(encoded[(at + 7)..]);
                return (ImageFormat.Jpeg, width, height);
            }

            at += 2 + length;
        }

        throw new ImageDecodeException("The JPEG header is corrupt: no frame header (SOF) before the image data.");
    }

    private static (ImageFormat, int, int) ReadPng(ReadOnlySpan<byte> encoded)
    {
        // stb stops after the last IDAT it needs and never reads IEND, so a cut file could decode to garbage.
        if (encoded[Math.Max(0, encoded.Length - 64)..].IndexOf("IEND"u8) < 0)
        {
            throw new ImageDecodeException("The PNG image is truncated: no IEND chunk at its end.");
        }

        if (encoded.Length < 24 || !encoded[12..16].SequenceEqual("IHDR"u8))
        {
            throw new ImageDecodeException("The PNG header is corrupt: IHDR is not the first chunk.");
        }

        long width = BinaryPrimitives.ReadUInt32BigEndian(encoded[16..]);
        long height = BinaryPrimitives.ReadUInt32BigEndian(encoded[20..]);
        return (ImageFormat.Png, (int)Math.Min(width, int.MaxValue), (int)Math.Min(height, int.MaxValue));
    }

    private static (ImageFormat, int, int) ReadWebP(ReadOnlySpan<byte> encoded)
    {
        long riffSize = BinaryPrimitives.ReadUInt32LittleEndian(encoded[4..]) + 8L;
        if (riffSize > encoded.Length)
        {
            throw new ImageDecodeException($"The WebP image is truncated: {encoded.Length} of {riffSize} bytes.");
        }

        int width, height;
        fixed (byte* data = encoded)
        {
            if (WebPNative.GetInfo(data, (nuint)encoded.Length, &width, &height) == 0)
            {
                throw new ImageDecodeException("The WebP header is corrupt.");
            }
        }

        return (ImageFormat.WebP, width, height);
    }
}

/// <summary>The encoded formats accepted.</summary>
internal enum ImageFormat
{
    Jpeg,
    Png,
    WebP,
}

using Serving.Models.Imaging;

namespace Serving.Models.Tests.Imaging;

public sealed class ImageCodecTests
{
    private static byte[] SeededRgb(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public void EncodePng_ThenDecode_GivesTheSamePixels()
    {
        byte[] rgb = SeededRgb(1, 37 * 23 * 3);
        using RgbImage original = RgbImage.FromPixels(37, 23, rgb);

        byte[] png = ImageCodec.EncodePng(original);
        using RgbImage decoded = ImageCodec.Decode(png);

        Assert.Equal(PngSignature, png[..8]);
        Assert.Equal((37, 23), (decoded.Width, decoded.Height));
        Assert.Equal(rgb, decoded.Pixels.ToArray());
    }

    [Fact]
    public void EncodePng_GreyMask_DecodesToEqualChannels()
    {
        byte[] mask = [0, 255, 255, 0, 128, 7];

        using RgbImage decoded = ImageCodec.Decode(ImageCodec.EncodePng(mask, 3, 2, 1));

        byte[] expected = mask.SelectMany(v => new[] { v, v, v }).ToArray();
        Assert.Equal(expected, decoded.Pixels.ToArray());
    }

    [Fact]
    public void EncodePng_Rgba_DecodesWithAlphaDropped()
    {
        byte[] rgba = [10, 20, 30, 0, 40, 50, 60, 255];

        using RgbImage decoded = ImageCodec.Decode(ImageCodec.EncodePng(rgba, 2, 1, 4));

        Assert.Equal(new byte[] { 10, 20, 30, 40, 50, 60 }, decoded.Pixels.ToArray());
    }

    [Fact]
    public void Decode_OverPixelLimit_IsRefusedWithTheSize()
    {
        byte[] png = ImageCodec.EncodePng(SeededRgb(6, 40 * 30 * 3), 40, 30, 3);

        var error = Assert.Throws<ImageDecodeException>(() => ImageCodec.Decode(png, new ImageLimits(1 << 20, 1000, 1000)));
        Assert.Contains("40x30 (1200 pixels)", error.Message);
    }

    [Fact]
    public void Decode_DevJpeg_GivesPlausiblePhoto()
    {
        using RgbImage image = ImageCodec.Decode(DevData.FaceImage("img1.jpg"));

        Assert.InRange(image.Width, 100, 5000);
        Assert.InRange(image.Height, 100, 5000);
        // A photo, not a flat fill: many distinct values.
        Assert.True(image.Pixels.ToArray().Distinct().Count() > 100);
    }

    [Fact]
    public void Decode_WebPNamedJpg_IsDecodedByContent()
    {
        // img47.jpg of the dev set is a WebP file despite its name: formats are recognised by content.
        using RgbImage image = ImageCodec.Decode(DevData.FaceImage("img47.jpg"));

        Assert.Equal((1350, 1800), (image.Width, image.Height));
    }

    [Fact]
    public void Decode_EveryDevImage_Succeeds()
    {
        foreach (string path in Directory.EnumerateFiles(DevData.FaceImagesDirectory))
        {
            using RgbImage image = ImageCodec.Decode(File.ReadAllBytes(path));
            Assert.True(image.Width > 0 && image.Height > 0, path);
        }
    }

    [Fact]
    public void Decode_Empty_SaysEmpty()
    {
        var error = Assert.Throws<ImageDecodeException>(() => ImageCodec.Decode([]));
        Assert.Contains("empty", error.Message);
    }

    [Fact]
    public void Decode_RandomBytes_SaysNotAnImage()
    {
        var error = Assert.Throws<ImageDecodeException>(() => ImageCodec.Decode(SeededRgb(2, 4096)));
        Assert.Contains("not a JPEG, PNG or WebP", error.Message);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.999)]
    public void Decode_TruncatedJpeg_SaysTruncated(double keep)
    {
        byte[] jpeg = DevData.FaceImage("img1.jpg");
        byte[] cut = jpeg[..(int)(jpeg.Length * keep)];

        var error = Assert.Throws<ImageDecodeException>(() => ImageCodec.Decode(cut));
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Decode_TruncatedPng_SaysTruncated()
    {
        byte[] png = ImageCodec.EncodePng(SeededRgb(3, 64 * 64 * 3), 64, 64, 3);

        var error = Assert.Throws<ImageDecodeException>(() => ImageCodec.Decode(png[..(png.Length / 2)]));
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Decode_PngHeaderClaimingHugeImage_IsRefusedBeforeDecoding()
    {
        // A real PNG whose IHDR is rewritten to 100000x100000 (CRC left stale: stb does not check it).
        // Decoding would need 30 GB; the header check must refuse it at once.
        byte[] png = ImageCodec.EncodePng(SeededRgb(4, 8 * 8 * 3), 8, 8, 3);
        WriteBigEndian(png.AsSpan(16), 100_000);
        WriteBigEndian(png.AsSpan(20), 100_000);

        var error = Assert.Throws<ImageDecodeException>(() => ImageCodec.Decode(png));
        Assert.Contains("100000x100000", error.Message);
    }

    [Fact]
    public void Decode_OverEncodedLimit_IsRefused()
    {
        byte[] png = ImageCodec.EncodePng(SeededRgb(5, 16 * 16 * 3), 16, 16, 3);

        var error = Assert.Throws<ImageDecodeException>(() => ImageCodec.Decode(png, new ImageLimits(100, 1000, 100)));
        Assert.Contains("limit", error.Message);
    }

    private static byte[] PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static void WriteBigEndian(Span<byte> target, int value) =>
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(target, value);
}

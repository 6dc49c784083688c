using System.Runtime.InteropServices;

namespace Serving.Models.Imaging;

/// <summary>The simple decoding API of Debian's <c>libwebp7</c>, for WebP inputs stb_image cannot read.</summary>
/// <remarks>
/// Photos uploaded as ".jpg" are sometimes WebP (the faces dev set holds one); refusing them would fail
/// a real user for a format detail. Symbol names checked with <c>nm -D libwebp.so.7</c>.
/// </remarks>
internal static unsafe partial class WebPNative
{
    private const string Library = "libwebp.so.7";

    /// <summary>Reads the dimensions from the bitstream header only; 0 when it is not valid WebP.</summary>
    [LibraryImport(Library, EntryPoint = "WebPGetInfo")]
    internal static partial int GetInfo(byte* data, nuint size, int* width, int* height);

    /// <summary>Decodes to interleaved RGB; null when the data are invalid or incomplete.</summary>
    [LibraryImport(Library, EntryPoint = "WebPDecodeRGB")]
    internal static partial byte* DecodeRgb(byte* data, nuint size, int* width, int* height);

    /// <summary>Frees what <see cref="DecodeRgb"/> returned (libwebp's allocator).</summary>
    [LibraryImport(Library, EntryPoint = "WebPFree")]
    internal static partial void Free(void* pointer);
}

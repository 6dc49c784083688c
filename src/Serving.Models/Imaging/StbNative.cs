using System.Runtime.InteropServices;

namespace Serving.Models.Imaging;

/// <summary>
/// The few entry points of Debian's <c>libstb0</c> (stb_image + stb_image_write) the codec uses.
/// </summary>
/// <remarks>
/// Symbol names checked with <c>nm -D /usr/lib/x86_64-linux-gnu/libstb.so.0</c>. The library is loaded by
/// its soname so the dynamic linker's normal search finds the package's copy; a missing package surfaces
/// as <see cref="DllNotFoundException"/> naming the library (<c>scripts/setup.sh runtime</c> installs it).
/// </remarks>
internal static unsafe partial class StbNative
{
    internal const string Library = "libstb.so.0";

    /// <summary>Decodes an image to 8-bit pixels with <paramref name="desiredChannels"/> channels; null on failure.</summary>
    [LibraryImport(Library, EntryPoint = "stbi_load_from_memory")]
    internal static partial byte* LoadFromMemory(byte* buffer, int length, int* x, int* y, int* channelsInFile, int desiredChannels);

    /// <summary>Reads only the header: dimensions and channels; 0 when the format is unknown or the header is bad.</summary>
    [LibraryImport(Library, EntryPoint = "stbi_info_from_memory")]
    internal static partial int InfoFromMemory(byte* buffer, int length, int* x, int* y, int* channels);

    /// <summary>Frees pixels returned by <see cref="LoadFromMemory"/> (stb's allocator, not ours).</summary>
    [LibraryImport(Library, EntryPoint = "stbi_image_free")]
    internal static partial void ImageFree(void* pixels);

    /// <summary>A static string describing the last failure (stb keeps it per thread in current builds).</summary>
    [LibraryImport(Library, EntryPoint = "stbi_failure_reason")]
    internal static partial nint FailureReason();

    /// <summary>Encodes a PNG, streaming the bytes to <paramref name="write"/>; returns 0 on failure.</summary>
    [LibraryImport(Library, EntryPoint = "stbi_write_png_to_func")]
    internal static partial int WritePngToFunc(
        delegate* unmanaged[Cdecl]<void*, void*, int, void> write, void* context, int width, int height, int components, void* data, int strideBytes);
}

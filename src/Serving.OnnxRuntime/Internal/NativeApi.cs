using System.Runtime.InteropServices;

namespace Serving.OnnxRuntime.Internal;

/// <summary>The loaded ONNX Runtime library and its <see cref="OrtApi"/> table, process-wide.</summary>
/// <remarks>
/// The library is loaded once and never unloaded: ORT keeps thread pools and static state that must not
/// disappear under live sessions, and the process exits soon after the last one anyway.
/// </remarks>
internal static unsafe class NativeApi
{
    [StructLayout(LayoutKind.Sequential)]
    private struct OrtApiBase
    {
        public delegate* unmanaged[Cdecl]<uint, OrtApi*> GetApi;
        public delegate* unmanaged[Cdecl]<byte*> GetVersionString;
    }

    private static readonly Lock LoadLock = new();
    private static OrtApi* s_api;

    /// <summary>The function table; valid after <see cref="Load"/>.</summary>
    public static OrtApi* Api
    {
        get
        {
            OrtApi* api = s_api;
            return api != null ? api : throw new InvalidOperationException(
                "ONNX Runtime is not loaded yet: create the OrtEnvironment first (OrtEnvironment.Initialize or OrtEnvironment.Instance).");
        }
    }

    /// <summary>The version string the library reports, e.g. "1.30.0".</summary>
    public static string RuntimeVersion { get; private set; } = "";

    /// <summary>Path the library was loaded from.</summary>
    public static string LibraryPath { get; private set; } = "";

    /// <summary>Loads the library at <paramref name="path"/> and fetches the API table (idempotent).</summary>
    public static void Load(string path)
    {
        lock (LoadLock)
        {
            if (s_api != null)
            {
                return;
            }

            nint library;
            try
            {
                library = NativeLibrary.Load(path);
            }
            catch (DllNotFoundException e)
            {
                // The file exists (the locator checked) but the loader refused it: wrong architecture,
                // missing dependency, truncated download. Say which file and why.
                throw new OrtLibraryNotFoundException(
                    $"ONNX Runtime at '{path}' could not be loaded: {e.Message}. " + OrtLibraryLocator.FixHint, e);
            }

            var getApiBase = (delegate* unmanaged[Cdecl]<OrtApiBase*>)NativeLibrary.GetExport(library, "OrtGetApiBase");
            OrtApiBase* apiBase = getApiBase();
            string version = Marshal.PtrToStringUTF8((nint)apiBase->GetVersionString()) ?? "";
            OrtApi* api = apiBase->GetApi(OrtApi.Version);
            if (api == null)
            {
                throw new OrtLibraryNotFoundException(
                    $"ONNX Runtime {version} at '{path}' does not offer C API version {OrtApi.Version}; use ONNX Runtime 1.13 or later. " +
                    OrtLibraryLocator.FixHint);
            }

            RuntimeVersion = version;
            LibraryPath = path;
            s_api = api;
        }
    }

    /// <summary>Turns an <c>OrtStatus*</c> into an exception; the status is released in every case.</summary>
    public static void Check(nint status)
    {
        if (status != 0)
        {
            throw ToException(status);
        }
    }

    /// <summary>Reads code and message from a failed status, releases it and returns the exception.</summary>
    public static OrtException ToException(nint status)
    {
        OrtApi* api = s_api;
        try
        {
            var code = (OrtErrorCode)api->GetErrorCode(status);
            string message = Marshal.PtrToStringUTF8((nint)api->GetErrorMessage(status)) ?? "";
            return new OrtException(code, message);
        }
        finally
        {
            api->ReleaseStatus(status);
        }
    }

    /// <summary>Frees memory ORT allocated with its default allocator (names, option strings).</summary>
    public static void FreeWithDefaultAllocator(void* p)
    {
        if (p == null)
        {
            return;
        }

        nint allocator;
        Check(Api->GetAllocatorWithDefaultOptions(&allocator));
        Check(Api->AllocatorFree(allocator, p));
    }

    /// <summary>The default CPU allocator; owned by ORT, never released.</summary>
    public static nint DefaultAllocator
    {
        get
        {
            nint allocator;
            Check(Api->GetAllocatorWithDefaultOptions(&allocator));
            return allocator;
        }
    }
}

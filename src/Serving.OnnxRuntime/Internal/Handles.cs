using System.Runtime.InteropServices;

namespace Serving.OnnxRuntime.Internal;

/// <summary>
/// Base of every native handle: one owner per ORT object, released exactly once through the matching
/// <c>Release*</c> slot. Construction takes ownership only after the creating call succeeded.
/// </summary>
internal abstract class OrtHandle : SafeHandle
{
    protected OrtHandle(nint handle)
        : base(0, ownsHandle: true)
    {
        SetHandle(handle);
    }

    public override bool IsInvalid => handle == 0;
}

internal sealed unsafe class EnvHandle(nint handle) : OrtHandle(handle)
{
    protected override bool ReleaseHandle()
    {
        NativeApi.Api->ReleaseEnv(handle);
        return true;
    }
}

internal sealed unsafe class SessionOptionsHandle(nint handle) : OrtHandle(handle)
{
    protected override bool ReleaseHandle()
    {
        NativeApi.Api->ReleaseSessionOptions(handle);
        return true;
    }
}

internal sealed unsafe class MemoryInfoHandle(nint handle) : OrtHandle(handle)
{
    protected override bool ReleaseHandle()
    {
        NativeApi.Api->ReleaseMemoryInfo(handle);
        return true;
    }
}

internal sealed unsafe class RunOptionsHandle(nint handle) : OrtHandle(handle)
{
    protected override bool ReleaseHandle()
    {
        NativeApi.Api->ReleaseRunOptions(handle);
        return true;
    }
}

internal sealed unsafe class ThreadingOptionsHandle(nint handle) : OrtHandle(handle)
{
    protected override bool ReleaseHandle()
    {
        NativeApi.Api->ReleaseThreadingOptions(handle);
        return true;
    }
}

internal sealed unsafe class CudaProviderOptionsHandle(nint handle) : OrtHandle(handle)
{
    protected override bool ReleaseHandle()
    {
        NativeApi.Api->ReleaseCUDAProviderOptions(handle);
        return true;
    }
}

internal sealed unsafe class TypeInfoHandle(nint handle) : OrtHandle(handle)
{
    protected override bool ReleaseHandle()
    {
        NativeApi.Api->ReleaseTypeInfo(handle);
        return true;
    }
}

internal sealed unsafe class TensorTypeAndShapeInfoHandle(nint handle) : OrtHandle(handle)
{
    protected override bool ReleaseHandle()
    {
        NativeApi.Api->ReleaseTensorTypeAndShapeInfo(handle);
        return true;
    }
}

/// <summary>
/// An <c>OrtSession</c> plus the native UTF-8 copies of its input and output names, which Run passes on
/// every call. The names live exactly as long as the session: both are freed when the last user
/// (a running <c>Run</c> holds a reference) lets go.
/// </summary>
internal sealed unsafe class SessionHandle : OrtHandle
{
    public SessionHandle(nint handle)
        : base(handle)
    {
    }

    /// <summary>Native UTF-8 input names, one pointer per model input, in model order.</summary>
    public byte** InputNames { get; set; }

    public int InputCount { get; set; }

    /// <summary>Native UTF-8 output names, one pointer per model output, in model order.</summary>
    public byte** OutputNames { get; set; }

    public int OutputCount { get; set; }

    protected override bool ReleaseHandle()
    {
        NativeApi.Api->ReleaseSession(handle);
        Utf8.FreeArray(InputNames, InputCount);
        Utf8.FreeArray(OutputNames, OutputCount);
        return true;
    }
}

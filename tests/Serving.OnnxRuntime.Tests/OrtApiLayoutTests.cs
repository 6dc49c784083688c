using System.Runtime.InteropServices;
using Serving.OnnxRuntime.Internal;
using Serving.OnnxRuntime.Tests.Infrastructure;

namespace Serving.OnnxRuntime.Tests;

public sealed class OrtApiLayoutTests
{
    /// <summary>
    /// ORT's onnxruntime_c_api.cc asserts the slot index where each API version ends; a slot missing from or
    /// added to our mirror moves these and every call after them would hit the wrong function.
    /// </summary>
    [Theory]
    [InlineData(nameof(OrtApi.ReleaseCustomOpDomain), 101)]
    [InlineData(nameof(OrtApi.ReleaseModelMetadata), 118)]
    [InlineData(nameof(OrtApi.AddFreeDimensionOverrideByName), 124)]
    [InlineData(nameof(OrtApi.ReleaseAvailableProviders), 126)]
    [InlineData(nameof(OrtApi.SetGlobalSpinControl), 149)]
    [InlineData(nameof(OrtApi.ReleaseArenaCfg), 157)]
    [InlineData(nameof(OrtApi.GetCurrentGpuDeviceId), 161)]
    [InlineData(nameof(OrtApi.CreateSessionFromArrayWithPrepackedWeightsContainer), 169)]
    [InlineData(nameof(OrtApi.ReleaseCUDAProviderOptions), 208)]
    public void OrtApi_VersionEndSlots_AreAtOrtsAssertedIndexes(string slot, int index)
    {
        Assert.Equal(index * IntPtr.Size, (int)Marshal.OffsetOf<OrtApi>(slot));
    }

    [Fact]
    public unsafe void OrtApi_Size_IsSlotCountPointers()
    {
        Assert.Equal(OrtApi.SlotCount * IntPtr.Size, sizeof(OrtApi));
    }

    [Fact]
    public unsafe void StatusSlots_RoundTripCodeAndMessage()
    {
        _ = TestEnvironment.Environment;
        byte* message = Utf8.Allocate("made by the test");
        nint status;
        try
        {
            status = NativeApi.Api->CreateStatus((int)OrtErrorCode.NoSuchFile, message);
        }
        finally
        {
            Utf8.Free(message);
        }

        OrtException e = Assert.Throws<OrtException>(() => NativeApi.Check(status));
        Assert.Equal(OrtErrorCode.NoSuchFile, e.ErrorCode);
        Assert.Equal("made by the test", e.OrtMessage);
    }

    [Fact]
    public void Environment_LoadsRuntime130FromSetupCache()
    {
        OrtEnvironment environment = TestEnvironment.Environment;
        Assert.Equal(OrtLibraryLocator.ExpectedVersion, environment.RuntimeVersion);
        Assert.Contains("CPUExecutionProvider", environment.GetAvailableProviders());
    }

    /// <summary>
    /// Exercises the CUDA V2 option slots (205-208). With the provider libraries present the serialised options
    /// echo the device id; without them (the npm build here) the update slot answers by trying to load the
    /// provider bridge, which only that slot does, and says which library it missed.
    /// </summary>
    [Fact]
    public unsafe void CudaOptionSlots_WhenBuildHasCuda_EchoDeviceId()
    {
        _ = TestEnvironment.Environment;
        nint options;
        nint status = NativeApi.Api->CreateCUDAProviderOptions(&options);
        if (status != 0)
        {
            // CPU-only builds refuse here with ORT's "not enabled" error, which proves the slot answers.
            OrtException e = NativeApi.ToException(status);
            Assert.Contains("CUDA", e.OrtMessage, StringComparison.OrdinalIgnoreCase);
            return;
        }

        using var handle = new CudaProviderOptionsHandle(options);
        byte* key = Utf8.Allocate("device_id");
        byte* value = Utf8.Allocate("3");
        byte* text = null;
        try
        {
            status = NativeApi.Api->UpdateCUDAProviderOptions(options, &key, &value, 1);
            if (status != 0)
            {
                OrtException e = NativeApi.ToException(status);
                Assert.Contains("libonnxruntime_providers_", e.OrtMessage);
                return;
            }

            NativeApi.Check(NativeApi.Api->GetCUDAProviderOptionsAsString(options, NativeApi.DefaultAllocator, &text));
            Assert.Contains("device_id=3", Utf8.Read(text));
        }
        finally
        {
            NativeApi.FreeWithDefaultAllocator(text);
            Utf8.Free(key);
            Utf8.Free(value);
        }
    }
}

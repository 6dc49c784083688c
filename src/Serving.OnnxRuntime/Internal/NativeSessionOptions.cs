namespace Serving.OnnxRuntime.Internal;

/// <summary>Builds an <c>OrtSessionOptions</c> from the managed <see cref="SessionOptions"/>.</summary>
internal static unsafe class NativeSessionOptions
{
    /// <summary>Name of the CUDA provider library ORT loads when the CUDA provider is appended.</summary>
    public const string CudaProviderLibrary = "libonnxruntime_providers_cuda.so";

    public static SessionOptionsHandle Create(SessionOptions options, OrtEnvironment environment)
    {
        OrtApi* api = NativeApi.Api;
        nint raw;
        NativeApi.Check(api->CreateSessionOptions(&raw));
        var handle = new SessionOptionsHandle(raw);
        try
        {
            nint o = raw;
            NativeApi.Check(api->SetIntraOpNumThreads(o, options.IntraOpThreads));
            NativeApi.Check(api->SetInterOpNumThreads(o, options.InterOpThreads));
            NativeApi.Check(api->SetSessionExecutionMode(o, (int)options.ExecutionMode));
            NativeApi.Check(api->SetSessionGraphOptimizationLevel(o, (int)options.GraphOptimizationLevel));
            NativeApi.Check(options.EnableMemoryArena ? api->EnableCpuMemArena(o) : api->DisableCpuMemArena(o));
            if (environment.UsesGlobalThreadPools)
            {
                // Without this the session would create its own pools beside the shared ones.
                NativeApi.Check(api->DisablePerSessionThreads(o));
            }

            if (options.LogLevel is { } level)
            {
                NativeApi.Check(api->SetSessionLogSeverityLevel(o, (int)level));
            }

            if (options.LogId is { } logId)
            {
                byte* id = Utf8.Allocate(logId);
                try
                {
                    NativeApi.Check(api->SetSessionLogId(o, id));
                }
                finally
                {
                    Utf8.Free(id);
                }
            }

            foreach ((string key, string value) in options.ConfigEntries)
            {
                byte* k = Utf8.Allocate(key);
                byte* v = Utf8.Allocate(value);
                try
                {
                    NativeApi.Check(api->AddSessionConfigEntry(o, k, v));
                }
                finally
                {
                    Utf8.Free(k);
                    Utf8.Free(v);
                }
            }

            if (options.ExecutionProvider == ExecutionProvider.Cuda)
            {
                AppendCuda(api, o, options.CudaDeviceId);
            }

            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Appends CUDA through the V2 options; a failure names the provider library that is missing.</summary>
    private static void AppendCuda(OrtApi* api, nint sessionOptions, int deviceId)
    {
        nint raw;
        try
        {
            NativeApi.Check(api->CreateCUDAProviderOptions(&raw));
        }
        catch (OrtException e)
        {
            throw CudaUnavailable(deviceId, e);
        }

        using var cudaOptions = new CudaProviderOptionsHandle(raw);
        byte* key = Utf8.Allocate("device_id");
        byte* value = Utf8.Allocate(deviceId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            NativeApi.Check(api->UpdateCUDAProviderOptions(raw, &key, &value, 1));
            NativeApi.Check(api->SessionOptionsAppendExecutionProvider_CUDA_V2(sessionOptions, raw));
        }
        catch (OrtException e)
        {
            throw CudaUnavailable(deviceId, e);
        }
        finally
        {
            Utf8.Free(key);
            Utf8.Free(value);
        }
    }

    private static OrtException CudaUnavailable(int deviceId, OrtException cause)
    {
        // ORT's own message names the library when it tried to load it; a CPU-only build only says the
        // provider is not enabled. Either way the operator needs to know which file is missing and where.
        string where = string.IsNullOrEmpty(NativeApi.LibraryPath) ? "next to libonnxruntime.so.1"
            : $"in '{Path.GetDirectoryName(NativeApi.LibraryPath)}'";
        string message =
            $"The CUDA execution provider (device {deviceId}) is not available: {CudaProviderLibrary} " +
            $"(with libonnxruntime_providers_shared.so, and the CUDA and cuDNN that build links: CUDA 13 and cuDNN 9 for 1.30) must be installed {where} from an ONNX Runtime " +
            $"{NativeApi.RuntimeVersion} GPU build; the CPU build from npm has no CUDA provider. ONNX Runtime said: {cause.OrtMessage}";
        return new OrtException(cause.ErrorCode, message, cause);
    }
}

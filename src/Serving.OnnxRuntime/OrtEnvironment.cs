using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Serving.OnnxRuntime.Internal;

namespace Serving.OnnxRuntime;

/// <summary>
/// The process-wide ONNX Runtime environment (<c>OrtEnv</c>): the loaded library, ORT's logger and,
/// optionally, the shared thread pools. Create it once, early, with <see cref="Initialize"/>; or let
/// <see cref="Instance"/> create it with defaults on first use.
/// </summary>
/// <remarks>
/// ORT supports one environment per process (a second <c>CreateEnv</c> returns the first with the first's
/// settings), so this type is a singleton and asking for different options later is an error rather than
/// silently ignored. The environment is never released: sessions may outlive any host scope, and ORT
/// tears its environment down itself at process exit.
/// </remarks>
public sealed unsafe class OrtEnvironment
{
    private static readonly Lock CreateLock = new();
    private static OrtEnvironment? s_instance;
    private static OrtLogger? s_logger;

    private readonly EnvHandle _env;
    private readonly MemoryInfoHandle _cpuMemoryInfo;

    private OrtEnvironment(OrtEnvironmentOptions options, EnvHandle env, MemoryInfoHandle cpuMemoryInfo)
    {
        Options = options;
        _env = env;
        _cpuMemoryInfo = cpuMemoryInfo;
    }

    /// <summary>The options the environment was created with.</summary>
    public OrtEnvironmentOptions Options { get; }

    /// <summary>ORT's version string, e.g. "1.30.0".</summary>
    public string RuntimeVersion => NativeApi.RuntimeVersion;

    /// <summary>Full path of the loaded native library.</summary>
    public string LibraryPath => NativeApi.LibraryPath;

    /// <summary>Whether sessions share the environment's thread pools.</summary>
    public bool UsesGlobalThreadPools => Options.GlobalThreadPools is not null;

    /// <summary>The environment, created with default options if <see cref="Initialize"/> was not called.</summary>
    /// <remarks>
    /// Concurrent first uses race for the lock; the losers take the winner's environment (whatever
    /// its options), since none of them asked for particular options.
    /// </remarks>
    public static OrtEnvironment Instance => s_instance ?? InitializeCore(new OrtEnvironmentOptions(), acceptExisting: true);

    /// <summary>Whether the environment exists already.</summary>
    public static bool IsInitialized => s_instance is not null;

    internal nint Handle => _env.DangerousGetHandle();

    internal nint CpuMemoryInfo => _cpuMemoryInfo.DangerousGetHandle();

    /// <summary>
    /// Creates the environment. Calling it again returns the existing environment when the options are the
    /// same object; other options throw, because ORT would ignore them.
    /// </summary>
    /// <exception cref="OrtLibraryNotFoundException">The native library is missing; the message says how to install it.</exception>
    public static OrtEnvironment Initialize(OrtEnvironmentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return InitializeCore(options, acceptExisting: false);
    }

    private static OrtEnvironment InitializeCore(OrtEnvironmentOptions options, bool acceptExisting)
    {
        lock (CreateLock)
        {
            if (s_instance is not null)
            {
                return acceptExisting || ReferenceEquals(s_instance.Options, options)
                    ? s_instance
                    : throw new InvalidOperationException(
                        "The ONNX Runtime environment exists already (one per process); initialize it once, before creating sessions.");
            }

            NativeApi.Load(OrtLibraryLocator.Resolve(options.LibraryPath));
            OrtApi* api = NativeApi.Api;
            s_logger = options.Logger;

            EnvHandle env = CreateEnv(api, options);
            nint memoryInfo;
            NativeApi.Check(api->CreateCpuMemoryInfo(0 /* OrtDeviceAllocator */, 0 /* OrtMemTypeDefault */, &memoryInfo));
            var cpuMemoryInfo = new MemoryInfoHandle(memoryInfo);

            // Identify ourselves as the C# projection in ORT's telemetry, as the official binding does.
            NativeApi.Check(api->SetLanguageProjection(env.DangerousGetHandle(), 2 /* ORT_PROJECTION_CSHARP */));
            s_instance = new OrtEnvironment(options, env, cpuMemoryInfo);
            return s_instance;
        }
    }

    /// <summary>Names of the execution providers compiled into the loaded library (e.g. "CPUExecutionProvider").</summary>
    /// <remarks>A provider listed here may still fail to load when its own library or its drivers are missing.</remarks>
    public IReadOnlyList<string> GetAvailableProviders()
    {
        byte** names;
        int count;
        NativeApi.Check(NativeApi.Api->GetAvailableProviders(&names, &count));
        try
        {
            var result = new string[count];
            for (int i = 0; i < count; i++)
            {
                result[i] = Utf8.Read(names[i]);
            }

            return result;
        }
        finally
        {
            NativeApi.Check(NativeApi.Api->ReleaseAvailableProviders(names, count));
        }
    }

    private static EnvHandle CreateEnv(OrtApi* api, OrtEnvironmentOptions options)
    {
        byte* logId = Utf8.Allocate(options.LogId);
        nint threading = 0;
        try
        {
            nint env;
            delegate* unmanaged[Cdecl]<nint, int, byte*, byte*, byte*, byte*, void> log = &OnLog;
            if (options.GlobalThreadPools is { } pools)
            {
                NativeApi.Check(api->CreateThreadingOptions(&threading));
                NativeApi.Check(api->SetGlobalIntraOpNumThreads(threading, pools.IntraOpThreads));
                NativeApi.Check(api->SetGlobalInterOpNumThreads(threading, pools.InterOpThreads));
                NativeApi.Check(api->SetGlobalSpinControl(threading, pools.AllowSpinning ? 1 : 0));
                NativeApi.Check(api->CreateEnvWithCustomLoggerAndGlobalThreadPools(
                    (nint)log, 0, (int)options.LogLevel, logId, threading, &env));
            }
            else
            {
                NativeApi.Check(api->CreateEnvWithCustomLogger((nint)log, 0, (int)options.LogLevel, logId, &env));
            }

            return new EnvHandle(env);
        }
        finally
        {
            // The environment copies the threading options and the log id; both are ours to free.
            if (threading != 0)
            {
                api->ReleaseThreadingOptions(threading);
            }

            Utf8.Free(logId);
        }
    }

    /// <summary>ORT's <c>OrtLoggingFunction</c>: forwards to the host's logger on whatever thread ORT logs from.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnLog(nint param, int severity, byte* category, byte* logId, byte* codeLocation, byte* message)
    {
        try
        {
            string text = $"[{Utf8.Read(logId)}] {Utf8.Read(message)}";
            var level = (OrtLogLevel)severity;
            if (s_logger is { } logger)
            {
                logger(level, Utf8.Read(category), text);
            }
            else
            {
                Console.Error.WriteLine($"onnxruntime {level}: {text} ({Utf8.Read(codeLocation)})");
            }
        }
        catch (Exception)
        {
            // An exception must not unwind into ORT's native frames (that would crash the process);
            // a failing logger loses this one message instead.
        }
    }
}

using Serving.OnnxRuntime.Tests.Infrastructure;

namespace Serving.OnnxRuntime.Tests;

public sealed class EnvironmentTests
{
    [Fact]
    public void Logger_VerboseSession_ReceivesOrtMessagesWithSessionLogId()
    {
        _ = TestEnvironment.Environment;
        using InferenceSession session = TestEnvironment.CreateSession(
            TinyOnnx.IdentityModel(TensorElementType.Float),
            new SessionOptions { LogLevel = OrtLogLevel.Verbose, LogId = "verbose-session" });

        Assert.Contains(
            TestEnvironment.Messages,
            m => m.Level == OrtLogLevel.Verbose && m.Message.StartsWith("[verbose-session]", StringComparison.Ordinal));
    }

    [Fact]
    public void Initialize_Again_WithOtherOptions_Throws()
    {
        _ = TestEnvironment.Environment;
        var e = Assert.Throws<InvalidOperationException>(() => OrtEnvironment.Initialize(new OrtEnvironmentOptions()));
        Assert.Contains("one per process", e.Message);
        Assert.Same(TestEnvironment.Environment, OrtEnvironment.Instance);
    }

    [Fact]
    public void Create_CudaRequestedWithoutProviderLibrary_NamesMissingLibrary()
    {
        _ = TestEnvironment.Environment;
        var e = Assert.Throws<OrtException>(() => TestEnvironment.CreateSession(
            "fr_landmark.onnx",
            new SessionOptions { ExecutionProvider = ExecutionProvider.Cuda, CudaDeviceId = 0 }));

        Assert.Contains("libonnxruntime_providers_cuda.so", e.Message);
        Assert.Contains("device 0", e.Message);
        Assert.IsType<OrtException>(e.InnerException);
    }

    [Fact]
    public void SessionOptions_ThreadsArenaAndConfigEntries_AreAccepted()
    {
        using InferenceSession session = TestEnvironment.CreateSession("fr_landmark.onnx", new SessionOptions
        {
            IntraOpThreads = 2,
            InterOpThreads = 1,
            ExecutionMode = ExecutionMode.Parallel,
            GraphOptimizationLevel = GraphOptimizationLevel.Basic,
            EnableMemoryArena = false,
            ConfigEntries = { ["session.intra_op.allow_spinning"] = "0" },
        });
        float[] input = TestEnvironment.RandomInput(seed: 9, 64 * 64);

        using RunResult result = session.Run([NamedTensor.Create<float>("input", [1, 1, 64, 64], input)]);

        Assert.Equal(136, result[0].GetSpan<float>().Length);
    }
}

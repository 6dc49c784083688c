using Serving.OnnxRuntime.Tests.Infrastructure;

namespace Serving.OnnxRuntime.Tests;

/// <summary>Inputs the model cannot take fail with ORT's own code and message, and the session stays usable.</summary>
public sealed class BadInputTests
{
    private static readonly long[] InputShape = [1, 3, 112, 112];

    [Fact]
    public void Run_WrongShape_ThrowsOrtInvalidDimensions()
    {
        using InferenceSession session = TestEnvironment.CreateSession("fr_feature.onnx");
        float[] input = TestEnvironment.RandomInput(seed: 1, 3 * 100 * 100);

        var e = Assert.Throws<OrtException>(() => session.Run([NamedTensor.Create<float>("input", [1, 3, 100, 100], input)]));

        Assert.Equal(OrtErrorCode.InvalidArgument, e.ErrorCode);
        Assert.Contains("invalid dimensions", e.OrtMessage, StringComparison.OrdinalIgnoreCase);
        AssertStillWorks(session);
    }

    [Fact]
    public void Run_WrongElementType_ThrowsOrtUnexpectedType()
    {
        using InferenceSession session = TestEnvironment.CreateSession("fr_feature.onnx");
        var input = new double[3 * 112 * 112];

        var e = Assert.Throws<OrtException>(() => session.Run([NamedTensor.Create<double>("input", InputShape, input)]));

        Assert.Equal(OrtErrorCode.InvalidArgument, e.ErrorCode);
        Assert.Contains("Unexpected input data type", e.OrtMessage);
        Assert.Contains("tensor(double)", e.OrtMessage);
        AssertStillWorks(session);
    }

    [Fact]
    public void Run_UnknownInputName_ThrowsOrtInvalidInputName()
    {
        using InferenceSession session = TestEnvironment.CreateSession("fr_feature.onnx");
        float[] input = TestEnvironment.RandomInput(seed: 2, 3 * 112 * 112);

        var e = Assert.Throws<OrtException>(() => session.Run([NamedTensor.Create<float>("image", InputShape, input)]));

        Assert.Equal(OrtErrorCode.InvalidArgument, e.ErrorCode);
        Assert.Contains("image", e.OrtMessage);
        Assert.Contains("input name", e.OrtMessage, StringComparison.OrdinalIgnoreCase);
        AssertStillWorks(session);
    }

    [Fact]
    public void Run_UnknownOutputName_ThrowsOrtError()
    {
        using InferenceSession session = TestEnvironment.CreateSession("fr_feature.onnx");
        float[] input = TestEnvironment.RandomInput(seed: 3, 3 * 112 * 112);

        var e = Assert.Throws<OrtException>(() => session.Run([NamedTensor.Create<float>("input", InputShape, input)], ["embedding"]));

        Assert.Contains("embedding", e.OrtMessage);
        AssertStillWorks(session);
    }

    [Fact]
    public void Create_MissingModelFile_ThrowsOrtNoSuchFile()
    {
        _ = TestEnvironment.Environment;
        var e = Assert.Throws<OrtException>(() => InferenceSession.Create("/nonexistent/model.onnx"));
        Assert.Equal(OrtErrorCode.NoSuchFile, e.ErrorCode);
        Assert.Contains("/nonexistent/model.onnx", e.OrtMessage);
    }

    [Fact]
    public void Create_GarbageBytes_ThrowsOrtInvalidProtobuf()
    {
        _ = TestEnvironment.Environment;
        var e = Assert.Throws<OrtException>(() => InferenceSession.Create("not an onnx model"u8));
        Assert.Equal(OrtErrorCode.InvalidProtobuf, e.ErrorCode);
    }

    private static void AssertStillWorks(InferenceSession session)
    {
        float[] input = TestEnvironment.RandomInput(seed: 4, 3 * 112 * 112);
        using RunResult result = session.Run([NamedTensor.Create<float>("input", InputShape, input)]);
        Assert.Equal(512, result[0].GetSpan<float>().Length);
    }
}

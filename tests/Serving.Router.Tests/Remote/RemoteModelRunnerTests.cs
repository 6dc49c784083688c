using Google.Protobuf;
using Serving.Grpc;
using Serving.OnnxRuntime;
using Serving.Protocol.Inference;
using Serving.Router.Remote;

namespace Serving.Router.Tests.Remote;

public sealed class RemoteModelRunnerTests
{
    [Fact]
    public void Request_carries_tensors_as_raw_input_contents()
    {
        var data = new float[] { 1f, 2f, 3f, 4f, 5f, 6f };
        var request = RemoteModelRunner.BuildRequest("fr_feature", [NamedTensor.Create<float>("input", [1, 2, 3], data)]);

        Assert.Equal("fr_feature", request.ModelName);
        var input = Assert.Single(request.Inputs);
        Assert.Equal("input", input.Name);
        Assert.Equal("FP32", input.Datatype);
        Assert.Equal(new long[] { 1, 2, 3 }, input.Shape);
        Assert.Null(input.Contents);
        Assert.Equal(data.Length * sizeof(float), Assert.Single(request.RawInputContents).Length);
    }

    [Fact]
    public void Outputs_wrap_raw_output_contents()
    {
        var response = new ModelInferResponse { ModelName = "m" };
        var output = new ModelInferResponse.Types.InferOutputTensor { Name = "out", Datatype = "FP32" };
        output.Shape.Add(2);
        response.Outputs.Add(output);
        response.RawOutputContents.Add(ByteString.CopyFrom(BitConverter.GetBytes(1.5f).Concat(BitConverter.GetBytes(-2f)).ToArray()));

        using var outputs = RemoteModelRunner.ToOutputs("m", response);

        Assert.Equal(TensorElementType.Float, outputs["out"].ElementType);
        Assert.Equal(new[] { 1.5f, -2f }, outputs["out"].GetSpan<float>().ToArray());
    }

    [Theory]
    [InlineData(StatusCode.DeadlineExceeded, StatusCode.DeadlineExceeded)]
    [InlineData(StatusCode.ResourceExhausted, StatusCode.ResourceExhausted)]
    [InlineData(StatusCode.Unavailable, StatusCode.Unavailable)]
    [InlineData(StatusCode.Cancelled, StatusCode.Cancelled)]
    [InlineData(StatusCode.InvalidArgument, StatusCode.Internal)]
    [InlineData(StatusCode.NotFound, StatusCode.Internal)]
    public void Worker_errors_map_to_the_callers_status(StatusCode worker, StatusCode caller)
    {
        var mapped = RemoteModelRunner.MapWorkerError("fr_detect", new RpcException(new Status(worker, "boom")));

        Assert.Equal(caller, mapped.StatusCode);
        Assert.Contains("fr_detect", mapped.Status.Detail, StringComparison.Ordinal);
    }
}

using Serving.Protocol;
using Google.Protobuf;
using Serving.Grpc;
using Serving.Protocol.Inference;
using Serving.Worker.Service;
using Serving.Worker.Tests.Infrastructure;

namespace Serving.Worker.Tests.Service;

/// <summary>Each bad request gets the protocol's code and a message naming the problem; the worker keeps serving.</summary>
public sealed class ErrorMatrixTests : IAsyncLifetime
{
    private readonly TestRepository _repository = new();
    private WorkerTestHost _host = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _repository.AddDoubler();
        _host = await WorkerTestHost.StartAsync(_repository.Path);
        _channel = _host.CreateChannel();
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _host.DisposeAsync();
        _repository.Dispose();
    }

    public static TheoryData<string, StatusCode, string> Cases => new()
    {
        { "unknown_model", StatusCode.NotFound, "unknown model 'nope'" },
        { "unknown_version", StatusCode.NotFound, "no version '7'" },
        { "wrong_input_name", StatusCode.InvalidArgument, "unexpected input 'q'" },
        { "wrong_datatype", StatusCode.InvalidArgument, "input 'x': datatype INT32 given, expected FP32" },
        { "wrong_shape", StatusCode.InvalidArgument, "input 'x': shape [1,5] given, expected [-1,4]" },
        { "batch_too_large", StatusCode.InvalidArgument, "input 'x': batch size 9 given, expected 1 to max_batch_size 8" },
        { "wrong_byte_size", StatusCode.InvalidArgument, "input 'x': 12 bytes given, expected 16" },
        { "wrong_element_count", StatusCode.InvalidArgument, "input 'x': 3 elements given in fp32_contents, expected 4" },
        { "missing_input", StatusCode.InvalidArgument, "input 'x' is missing: expected FP32 [-1,4]" },
        { "mixed_raw_and_typed", StatusCode.InvalidArgument, "input 'x' has typed contents while the request also uses raw_input_contents" },
        { "unknown_output", StatusCode.InvalidArgument, "unknown output 'w'" },
        { "bad_priority", StatusCode.InvalidArgument, "parameter 'priority'" },
        { "timeout_passed", StatusCode.DeadlineExceeded, "deadline" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task ModelInfer_BadRequest_ReturnsCodeAndNamesTheProblem(string name, StatusCode code, string message)
    {
        var request = WorkerTestHost.DoublerRequest([1, 2, 3, 4]);
        var input = request.Inputs[0];
        switch (name)
        {
            case "unknown_model": request.ModelName = "nope"; break;
            case "unknown_version": request.ModelVersion = "7"; break;
            case "wrong_input_name": input.Name = "q"; break;
            case "wrong_datatype": input.Datatype = "INT32"; break;
            case "wrong_shape": input.Shape[1] = 5; break;
            case "batch_too_large": input.Shape[0] = 9; break;
            case "wrong_byte_size": request.RawInputContents[0] = ByteString.CopyFrom(new byte[12]); break;
            case "wrong_element_count":
                request.RawInputContents.Clear();
                input.Contents = new InferTensorContents();
                input.Contents.Fp32Contents.AddRange([1, 2, 3]);
                break;
            case "missing_input": request.Inputs.Clear(); request.RawInputContents.Clear(); break;
            case "mixed_raw_and_typed": input.Contents = new InferTensorContents(); input.Contents.Fp32Contents.AddRange([1, 2, 3, 4]); break;
            case "unknown_output": request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "w" }); break;
            case "bad_priority": request.Parameters["priority"] = new InferParameter { StringParam = "high" }; break;
            case "timeout_passed": request.Parameters["timeout"] = new InferParameter { Int64Param = 1 }; break;
        }

        var ex = await Assert.ThrowsAsync<RpcException>(() => _channel.CallInvoker.UnaryAsync(InferenceMethods.ModelInfer, request).ResponseAsync);

        Assert.Equal(code, ex.StatusCode);
        Assert.Contains(message, ex.Status.Detail, StringComparison.Ordinal);

        // Nothing disturbed: a good request still succeeds.
        var ok = await _channel.CallInvoker.UnaryAsync(InferenceMethods.ModelInfer, WorkerTestHost.DoublerRequest([1, 1, 1, 1])).ResponseAsync;
        Assert.Equal([2f, 2, 2, 2], WorkerTestHost.Floats(ok.RawOutputContents[0]));
    }

    [Fact]
    public async Task ModelInfer_ModelUnloaded_ReturnsUnavailable()
    {
        await _channel.CallInvoker.UnaryAsync(InferenceMethods.RepositoryModelUnload, new RepositoryModelUnloadRequest { ModelName = "doubler" }).ResponseAsync;

        var ex = await Assert.ThrowsAsync<RpcException>(() => _channel.CallInvoker.UnaryAsync(InferenceMethods.ModelInfer, WorkerTestHost.DoublerRequest([1, 2, 3, 4])).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Contains("'doubler'", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RepositoryModelLoad_InvalidConfig_ListsEveryProblemAndKeepsTheOldVersionServing()
    {
        var load = new RepositoryModelLoadRequest { ModelName = "doubler" };
        load.Parameters["config"] = new ModelRepositoryParameter
        {
            StringParam = """{"name": "other", "max_batch_size": -1, "inputs": [{"name": "x", "datatype": "FP99", "dims": [4]}], "outputs": []}""",
        };

        var ex = await Assert.ThrowsAsync<RpcException>(() => _channel.CallInvoker.UnaryAsync(InferenceMethods.RepositoryModelLoad, load).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("max_batch_size", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("FP99", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("name", ex.Status.Detail, StringComparison.Ordinal);
        var ok = await _channel.CallInvoker.UnaryAsync(InferenceMethods.ModelInfer, WorkerTestHost.DoublerRequest([1, 1, 1, 1])).ResponseAsync;
        Assert.Equal([2f, 2, 2, 2], WorkerTestHost.Floats(ok.RawOutputContents[0]));
    }
}

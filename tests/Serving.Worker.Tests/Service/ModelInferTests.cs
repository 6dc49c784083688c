using Serving.Protocol;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Serving.Grpc;
using Serving.OnnxRuntime;
using Serving.Protocol.Inference;
using Serving.Worker.Inference;
using Serving.Worker.Service;
using Serving.Worker.Tests.Infrastructure;

namespace Serving.Worker.Tests.Service;

/// <summary>ModelInfer and the model RPCs through our gRPC client, in memory.</summary>
public sealed class ModelInferTests : IAsyncLifetime
{
    private static readonly TimeSpan SafetyTimeout = TimeSpan.FromSeconds(30);
    private readonly TestRepository _repository = new();
    private WorkerTestHost _host = null!;
    private GrpcChannel _channel = null!;

    private CallInvoker Invoker => _channel.CallInvoker;

    public async Task InitializeAsync()
    {
        _repository.AddDoubler().AddDoubler("doubler8", config: Preferred8())
            .AddFixed()
            .AddRealFeature();
        _repository.AddDoubler("doubler_v", version: 1, factor: 2f, config: TestRepository.DoublerConfig("doubler_v"));
        _repository.AddDoubler("doubler_v", version: 2, factor: 3f, writeConfig: false);
        _host = await WorkerTestHost.StartAsync(_repository.Path);
        _channel = _host.CreateChannel();
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _host.DisposeAsync();
        _repository.Dispose();
    }

    private static Serving.Worker.Repository.ModelConfiguration Preferred8()
    {
        var config = TestRepository.DoublerConfig("doubler8", maxBatchSize: 8, maxQueueDelayUs: 20_000_000);
        return new Serving.Worker.Repository.ModelConfiguration
        {
            Name = config.Name,
            MaxBatchSize = config.MaxBatchSize,
            Inputs = config.Inputs,
            Outputs = config.Outputs,
            InstanceGroup = config.InstanceGroup,
            DynamicBatching = new Serving.Worker.Repository.DynamicBatchingConfiguration
            {
                PreferredBatchSize = [8],
                MaxQueueDelayUs = 20_000_000,
                DefaultQueuePolicy = new Serving.Worker.Repository.QueuePolicyConfiguration { AllowTimeoutOverride = true },
            },
        };
    }

    [Fact]
    public async Task ModelInfer_RawInput_ReturnsRawOutputsAndEchoesId()
    {
        var request = WorkerTestHost.DoublerRequest([1, 2, 3, 4]);
        request.Id = "req-42";

        var response = await Invoker.UnaryAsync(InferenceMethods.ModelInfer, request).ResponseAsync.WaitAsync(SafetyTimeout);

        Assert.Equal("req-42", response.Id);
        Assert.Equal("doubler", response.ModelName);
        Assert.Equal("1", response.ModelVersion);
        Assert.Equal(["y", "z"], response.Outputs.Select(o => o.Name));
        Assert.Equal([1L, 4], response.Outputs[0].Shape);
        Assert.Equal("FP32", response.Outputs[0].Datatype);
        Assert.Equal([2f, 4, 6, 8], WorkerTestHost.Floats(response.RawOutputContents[0]));
        Assert.Equal([2f, 3, 4, 5], WorkerTestHost.Floats(response.RawOutputContents[1]));
    }

    [Fact]
    public async Task ModelInfer_TypedContentsAndOutputSubset_ReturnsOnlyRequestedOutput()
    {
        var request = new ModelInferRequest { ModelName = "doubler" };
        var input = new ModelInferRequest.Types.InferInputTensor { Name = "x", Datatype = "FP32", Contents = new InferTensorContents() };
        input.Shape.AddRange([2, 4]);
        input.Contents.Fp32Contents.AddRange([1, 2, 3, 4, 5, 6, 7, 8]);
        request.Inputs.Add(input);
        request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "z" });

        var response = await Invoker.UnaryAsync(InferenceMethods.ModelInfer, request).ResponseAsync.WaitAsync(SafetyTimeout);

        var output = Assert.Single(response.Outputs);
        Assert.Equal("z", output.Name);
        Assert.Equal([2L, 4], output.Shape);
        Assert.Equal([2f, 3, 4, 5, 6, 7, 8, 9], WorkerTestHost.Floats(Assert.Single(response.RawOutputContents)));
    }

    [Fact]
    public async Task ModelInfer_ConcurrentRequests_FormOneBatchAndEachGetsItsOwnRows()
    {
        var model = _host.Models.Resolve("doubler8", "");
        var sizes = new ConcurrentQueue<int>();
        model.BatchStarted += record => sizes.Enqueue(record.BatchSize);

        // preferred_batch_size 8 with a long queue delay: the batch is sent when the 8th row arrives.
        var calls = Enumerable.Range(0, 4).Select(i =>
        {
            var request = WorkerTestHost.DoublerRequest([i, i, i, i], [-i, 1, 2, 3]);
            request.ModelName = "doubler8";
            return Invoker.UnaryAsync(InferenceMethods.ModelInfer, request).ResponseAsync;
        }).ToArray();
        var responses = await Task.WhenAll(calls).WaitAsync(SafetyTimeout);

        for (var i = 0; i < responses.Length; i++)
        {
            Assert.Equal([2L, 4], responses[i].Outputs[0].Shape);
            Assert.Equal([2f * i, 2 * i, 2 * i, 2 * i, -2f * i, 2, 4, 6], WorkerTestHost.Floats(responses[i].RawOutputContents[0]));
        }

        Assert.Equal([8], sizes);
        var stats = await Invoker.UnaryAsync(InferenceMethods.ModelStatistics, new ModelStatisticsRequest { Name = "doubler8" }).ResponseAsync;
        var batch = Assert.Single(stats.ModelStats.Single().BatchStats);
        Assert.Equal(8UL, batch.BatchSize);
        Assert.Equal(8UL, stats.ModelStats.Single().InferenceCount);
        Assert.Equal(1UL, stats.ModelStats.Single().ExecutionCount);
        Assert.Equal(4UL, stats.ModelStats.Single().InferenceStats.Success.Count);
    }

    [Fact]
    public async Task ModelInfer_RealFaceEmbedding_MatchesTheBindingCalledDirectly()
    {
        var random = new Random(7);
        var image = new float[3 * 112 * 112];
        for (var i = 0; i < image.Length; i++)
        {
            image[i] = (float)(random.NextDouble() * 2 - 1);
        }

        using var session = InferenceSession.Create(TestRepository.RealFeatureModel);
        using var direct = session.Run([NamedTensor.Create<float>("input", [1, 3, 112, 112], image)]);
        var expected = direct["output"].GetSpan<float>().ToArray();

        var request = new ModelInferRequest { ModelName = "fr_feature" };
        var input = new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32" };
        input.Shape.AddRange([1, 3, 112, 112]);
        request.Inputs.Add(input);
        request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(image.AsSpan())));
        var response = await Invoker.UnaryAsync(InferenceMethods.ModelInfer, request).ResponseAsync.WaitAsync(SafetyTimeout);

        Assert.Equal([1L, 512], response.Outputs.Single().Shape);
        Assert.Equal(expected, WorkerTestHost.Floats(response.RawOutputContents.Single()));
    }

    [Fact]
    public async Task ModelConfig_ModelWithoutConfigJson_IsAutoCompletedUnbatched()
    {
        var response = await Invoker.UnaryAsync(InferenceMethods.ModelConfig, new ModelConfigRequest { Name = "fixed" }).ResponseAsync;

        Assert.Equal(0, response.Config.MaxBatchSize);
        Assert.Equal([1L, 4], response.Config.Input.Single().Dims);
        Assert.Equal("onnxruntime_onnx", response.Config.Platform);
    }

    [Fact]
    public async Task ModelInfer_VersionSelection_EmptyIsLatestAndExplicitVersionsResolve()
    {
        var latest = WorkerTestHost.DoublerRequest([1, 1, 1, 1]);
        latest.ModelName = "doubler_v";

        // doubler_v has versions 1 and 2 on disk; the default policy (latest 1) serves 2 only.
        var response = await Invoker.UnaryAsync(InferenceMethods.ModelInfer, latest).ResponseAsync;
        Assert.Equal("2", response.ModelVersion);
        Assert.Equal([3f, 3, 3, 3], WorkerTestHost.Floats(response.RawOutputContents[0]));

        latest.ModelVersion = "1";
        var ex = await Assert.ThrowsAsync<RpcException>(() => Invoker.UnaryAsync(InferenceMethods.ModelInfer, latest).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Contains("version '1'", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelMetadata_BatchedModel_ReportsLeadingVariableDimension()
    {
        var response = await Invoker.UnaryAsync(InferenceMethods.ModelMetadata, new ModelMetadataRequest { Name = "doubler" }).ResponseAsync;

        Assert.Equal(["1"], response.Versions);
        Assert.Equal([-1L, 4], response.Inputs.Single().Shape);
        Assert.Equal(["y", "z"], response.Outputs.Select(o => o.Name));
    }

    [Fact]
    public async Task ServerAndModelReady_AfterStartup_AreReady()
    {
        Assert.True((await Invoker.UnaryAsync(InferenceMethods.ServerLive, new ServerLiveRequest()).ResponseAsync).Live);
        Assert.True((await Invoker.UnaryAsync(InferenceMethods.ServerReady, new ServerReadyRequest()).ResponseAsync).Ready);
        Assert.True((await Invoker.UnaryAsync(InferenceMethods.ModelReady, new ModelReadyRequest { Name = "doubler" }).ResponseAsync).Ready);
        Assert.False((await Invoker.UnaryAsync(InferenceMethods.ModelReady, new ModelReadyRequest { Name = "nope" }).ResponseAsync).Ready);
        var index = await Invoker.UnaryAsync(InferenceMethods.RepositoryIndex, new RepositoryIndexRequest()).ResponseAsync;
        Assert.Equal(["doubler", "doubler8", "doubler_v", "fixed", "fr_feature"], index.Models.Select(m => m.Name));
        Assert.All(index.Models, m => Assert.Equal("READY", m.State));
    }
}

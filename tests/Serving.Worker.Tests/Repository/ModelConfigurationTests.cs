using Google.Protobuf;
using Serving.Protocol.Inference;
using Serving.Worker.Repository;

namespace Serving.Worker.Tests.Repository;

public sealed class ModelConfigurationTests
{
    internal const string ValidJson = """
        {
          "name": "face_dpn68",
          "platform": "onnxruntime",
          "max_batch_size": 32,
          "inputs": [ { "name": "input", "datatype": "FP32", "dims": [3, 112, 112] } ],
          "outputs": [ { "name": "embedding", "datatype": "FP32", "dims": [512] } ],
          "dynamic_batching": {
            "preferred_batch_size": [8, 16],
            "max_queue_delay_us": 2000,
            "priority_levels": 2,
            "default_priority_level": 2,
            "default_queue_policy": { "max_queue_size": 64, "default_timeout_us": 50000, "allow_timeout_override": true, "timeout_action": "DELAY" }
          },
          "instance_group": { "count": 2, "kind": "GPU", "gpus": [0] },
          "version_policy": { "latest": { "num_versions": 2 } },
          "variant": { "task": "face_embedding", "family": "dpn", "quality": { "metric": "auc", "value": 0.93, "dataset": "pairs-dev" }, "synthetic": true }
        }
        """;

    [Fact]
    public void Parse_ValidConfig_ReadsEveryField()
    {
        var config = ModelConfigurationSerializer.Parse(ValidJson, out var error);

        Assert.Null(error);
        Assert.NotNull(config);
        Assert.Equal("face_dpn68", config.Name);
        Assert.Equal(32, config.MaxBatchSize);
        Assert.Equal([3L, 112, 112], config.Inputs[0].Dims);
        Assert.Equal([8, 16], config.DynamicBatching!.PreferredBatchSize);
        Assert.Equal(2000, config.DynamicBatching.MaxQueueDelayUs);
        Assert.Equal(TimeoutActions.Delay, config.DynamicBatching.DefaultQueuePolicy.TimeoutAction);
        Assert.Equal(InstanceKinds.Gpu, config.InstanceGroup.Kind);
        Assert.Equal(2, config.VersionPolicy.Latest!.NumVersions);
        Assert.True(config.Variant!.Synthetic);
        Assert.Equal(0.93, config.Variant.Quality!.Value);
        Assert.Empty(ModelConfigValidator.Validate(config, "face_dpn68"));
    }

    [Fact]
    public void Serialize_ThenParse_RoundTripsUnchanged()
    {
        var config = ModelConfigurationSerializer.Parse(ValidJson, out _)!;

        var json = ModelConfigurationSerializer.Serialize(config);
        var again = ModelConfigurationSerializer.Parse(json, out var error)!;

        Assert.Null(error);
        Assert.Contains("\"max_queue_delay_us\": 2000", json);
        Assert.Equal(json, ModelConfigurationSerializer.Serialize(again));
    }

    [Fact]
    public void Parse_UnknownField_RefusedWithItsPath()
    {
        var config = ModelConfigurationSerializer.Parse("""{ "name": "m", "max_batchsize": 4 }""", out var error);

        Assert.Null(config);
        Assert.NotNull(error);
        Assert.Contains("max_batchsize", error.ToString());
    }

    [Fact]
    public void Parse_WrongType_ReportsPath()
    {
        ModelConfigurationSerializer.Parse("""{ "name": "m", "dynamic_batching": { "preferred_batch_size": [1, "x"] } }""", out var error);

        Assert.NotNull(error);
        Assert.StartsWith("dynamic_batching.preferred_batch_size[1]", error.Path);
    }

    [Fact]
    public void Parse_MinimalConfig_AppliesDefaults()
    {
        var config = ModelConfigurationSerializer.Parse("""
            { "name": "m", "inputs": [ { "name": "x", "datatype": "INT64", "dims": [-1] } ], "outputs": [ { "name": "y", "datatype": "FP32", "dims": [1] } ] }
            """, out _)!;

        Assert.Equal(ModelConfiguration.OnnxRuntimePlatform, config.Platform);
        Assert.Equal(1, config.InstanceGroup.Count);
        Assert.Null(config.DynamicBatching);
        Assert.Empty(ModelConfigValidator.Validate(config));
    }

    [Fact]
    public void ToProto_ValidConfig_MapsToTritonFieldsAndNumbers()
    {
        var proto = ModelConfigMapper.ToProto(ModelConfigurationSerializer.Parse(ValidJson, out _)!);

        Assert.Equal("onnxruntime_onnx", proto.Platform);
        Assert.Equal("onnxruntime", proto.Backend);
        Assert.Equal(DataType.TypeFp32, proto.Input[0].DataType);
        Assert.Equal(ModelInstanceGroup.Types.Kind.Gpu, proto.InstanceGroup[0].Kind);
        Assert.Equal(2, proto.InstanceGroup[0].Count);
        Assert.Equal([8, 16], proto.DynamicBatching.PreferredBatchSize);
        Assert.Equal(2000UL, proto.DynamicBatching.MaxQueueDelayMicroseconds);
        Assert.Equal(ModelQueuePolicy.Types.TimeoutAction.Delay, proto.DynamicBatching.DefaultQueuePolicy.TimeoutAction);
        Assert.Equal(64U, proto.DynamicBatching.DefaultQueuePolicy.MaxQueueSize);
        Assert.Equal(2U, proto.VersionPolicy.Latest.NumVersions);
        Assert.Equal("face_embedding", proto.Parameters["variant.task"].StringValue);

        // Field numbers on the wire are those of Triton's ModelConfig: max_batch_size = 4, dynamic_batching = 11.
        var bytes = proto.ToByteArray();
        var reader = new CodedInputStream(bytes);
        var tags = new List<int>();
        uint tag;
        while ((tag = reader.ReadTag()) != 0)
        {
            tags.Add(WireFormat.GetTagFieldNumber(tag));
            reader.SkipLastField();
        }

        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 11, 14, 14, 14, 14, 14, 14, 17], tags.Order());
    }

    [Theory]
    [InlineData("FP32", DataType.TypeFp32, 4)]
    [InlineData("INT64", DataType.TypeInt64, 8)]
    [InlineData("BYTES", DataType.TypeString, 0)]
    [InlineData("BF16", DataType.TypeBf16, 2)]
    [InlineData("fp32", DataType.TypeInvalid, 0)]
    public void TensorDataTypes_KServeString_MapsToTritonEnumAndSize(string datatype, DataType proto, int size)
    {
        Assert.Equal(proto, TensorDataTypes.ToProto(datatype));
        Assert.Equal(size, TensorDataTypes.ElementSize(datatype));
    }
}

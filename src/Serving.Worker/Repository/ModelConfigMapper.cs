using System.Globalization;
using Serving.Protocol.Inference;

namespace Serving.Worker.Repository;

/// <summary>
/// Maps our configuration to the Triton <see cref="ModelConfig"/> message answered by the
/// ModelConfig RPC, so that v2 tools (perf_analyzer, Triton clients) read familiar values.
/// </summary>
/// <remarks>
/// Our platform <c>onnxruntime</c> becomes Triton's platform <c>onnxruntime_onnx</c> with backend
/// <c>onnxruntime</c>, as Triton reports ONNX models. Variant metadata has no Triton field and
/// travels in <c>parameters</c> under <c>variant.*</c> keys.
/// </remarks>
public static class ModelConfigMapper
{
    /// <summary>Triton's platform name for ONNX models.</summary>
    public const string TritonOnnxPlatform = "onnxruntime_onnx";

    /// <summary>Builds the protocol message for a valid configuration.</summary>
    public static ModelConfig ToProto(ModelConfiguration config)
    {
        var proto = new ModelConfig
        {
            Name = config.Name,
            Platform = config.Platform == ModelConfiguration.OnnxRuntimePlatform ? TritonOnnxPlatform : config.Platform,
            Backend = config.Platform,
            MaxBatchSize = config.MaxBatchSize,
            VersionPolicy = ToProto(config.VersionPolicy),
        };

        foreach (var input in config.Inputs)
        {
            var message = new ModelInput { Name = input.Name, DataType = TensorDataTypes.ToProto(input.Datatype) };
            message.Dims.AddRange(input.Dims);
            proto.Input.Add(message);
        }

        foreach (var output in config.Outputs)
        {
            var message = new ModelOutput { Name = output.Name, DataType = TensorDataTypes.ToProto(output.Datatype) };
            message.Dims.AddRange(output.Dims);
            proto.Output.Add(message);
        }

        var group = new ModelInstanceGroup
        {
            Name = config.Name,
            Count = config.InstanceGroup.Count,
            Kind = config.InstanceGroup.Kind == InstanceKinds.Gpu ? ModelInstanceGroup.Types.Kind.Gpu : ModelInstanceGroup.Types.Kind.Cpu,
        };
        group.Gpus.AddRange(config.InstanceGroup.Gpus);
        proto.InstanceGroup.Add(group);

        if (config.DynamicBatching is { } batching)
        {
            proto.DynamicBatching = ToProto(batching);
        }

        if (config.Variant is { } variant)
        {
            AddParameter(proto, "variant.task", variant.Task);
            AddParameter(proto, "variant.family", variant.Family);
            AddParameter(proto, "variant.synthetic", variant.Synthetic ? "true" : "false");
            if (variant.Quality is { } quality)
            {
                AddParameter(proto, "variant.quality.metric", quality.Metric);
                AddParameter(proto, "variant.quality.value", quality.Value.ToString("R", CultureInfo.InvariantCulture));
                AddParameter(proto, "variant.quality.dataset", quality.Dataset);
            }
        }

        return proto;
    }

    private static ModelDynamicBatching ToProto(DynamicBatchingConfiguration batching)
    {
        var policy = batching.DefaultQueuePolicy;
        var message = new ModelDynamicBatching
        {
            MaxQueueDelayMicroseconds = (ulong)Math.Max(0, batching.MaxQueueDelayUs),
            PriorityLevels = (ulong)Math.Max(0, batching.PriorityLevels),
            DefaultPriorityLevel = (ulong)Math.Max(0, batching.DefaultPriorityLevel),
            DefaultQueuePolicy = new ModelQueuePolicy
            {
                TimeoutAction = policy.TimeoutAction == TimeoutActions.Delay
                    ? ModelQueuePolicy.Types.TimeoutAction.Delay
                    : ModelQueuePolicy.Types.TimeoutAction.Reject,
                DefaultTimeoutMicroseconds = (ulong)Math.Max(0, policy.DefaultTimeoutUs),
                AllowTimeoutOverride = policy.AllowTimeoutOverride,
                MaxQueueSize = (uint)Math.Max(0, policy.MaxQueueSize),
            },
        };
        message.PreferredBatchSize.AddRange(batching.PreferredBatchSize);
        return message;
    }

    private static ModelVersionPolicy ToProto(VersionPolicyConfiguration policy)
    {
        if (policy.All is not null)
        {
            return new ModelVersionPolicy { All = new ModelVersionPolicy.Types.All() };
        }

        if (policy.Specific is { } specific)
        {
            var message = new ModelVersionPolicy.Types.Specific();
            message.Versions.AddRange(specific.Versions);
            return new ModelVersionPolicy { Specific = message };
        }

        return new ModelVersionPolicy
        {
            Latest = new ModelVersionPolicy.Types.Latest { NumVersions = (uint)Math.Max(1, policy.Latest?.NumVersions ?? 1) },
        };
    }

    private static void AddParameter(ModelConfig proto, string key, string value) =>
        proto.Parameters[key] = new ModelParameter { StringValue = value };
}

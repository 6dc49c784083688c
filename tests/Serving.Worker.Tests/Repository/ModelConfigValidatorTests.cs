using Serving.Worker.Repository;

namespace Serving.Worker.Tests.Repository;

public sealed class ModelConfigValidatorTests
{
    private static ModelConfiguration Valid() => ModelConfigurationSerializer.Parse(ModelConfigurationTests.ValidJson, out _)!;

    private static string[] Errors(ModelConfiguration config, string? directory = "face_dpn68") =>
        ModelConfigValidator.Validate(config, directory).Select(e => e.ToString()).ToArray();

    private static ModelConfiguration WithBatching(Func<DynamicBatchingConfiguration, DynamicBatchingConfiguration> change)
    {
        var config = Valid();
        return Copy(config, dynamicBatching: change(config.DynamicBatching!));
    }

    private static ModelConfiguration Copy(
        ModelConfiguration c,
        string? name = null,
        string? platform = null,
        int? maxBatchSize = null,
        IReadOnlyList<TensorConfiguration>? inputs = null,
        IReadOnlyList<TensorConfiguration>? outputs = null,
        DynamicBatchingConfiguration? dynamicBatching = null,
        InstanceGroupConfiguration? instanceGroup = null,
        VersionPolicyConfiguration? versionPolicy = null,
        VariantMetadata? variant = null) => new()
    {
        Name = name ?? c.Name,
        Platform = platform ?? c.Platform,
        MaxBatchSize = maxBatchSize ?? c.MaxBatchSize,
        Inputs = inputs ?? c.Inputs,
        Outputs = outputs ?? c.Outputs,
        DynamicBatching = dynamicBatching ?? c.DynamicBatching,
        InstanceGroup = instanceGroup ?? c.InstanceGroup,
        VersionPolicy = versionPolicy ?? c.VersionPolicy,
        Variant = variant ?? c.Variant,
    };

    private static DynamicBatchingConfiguration Batching(DynamicBatchingConfiguration b, IReadOnlyList<int>? preferred = null, long? delay = null, int? levels = null, int? defaultLevel = null, QueuePolicyConfiguration? policy = null) => new()
    {
        PreferredBatchSize = preferred ?? b.PreferredBatchSize,
        MaxQueueDelayUs = delay ?? b.MaxQueueDelayUs,
        PriorityLevels = levels ?? b.PriorityLevels,
        DefaultPriorityLevel = defaultLevel ?? b.DefaultPriorityLevel,
        DefaultQueuePolicy = policy ?? b.DefaultQueuePolicy,
    };

    [Fact]
    public void Validate_ValidConfig_NoErrors() => Assert.Empty(Errors(Valid()));

    [Theory]
    [InlineData("", "name: is required")]
    [InlineData("a/b", "name: 'a/b' may contain only letters, digits, '_', '-' and '.'")]
    [InlineData("other", "name: 'other' differs from the model directory 'face_dpn68'")]
    public void Validate_BadName_Reported(string name, string expected) =>
        Assert.Contains(expected, Errors(Copy(Valid(), name: name)));

    [Fact]
    public void Validate_OtherPlatform_Reported() =>
        Assert.Contains("platform: 'tensorrt' is not supported, expected 'onnxruntime'", Errors(Copy(Valid(), platform: "tensorrt")));

    [Fact]
    public void Validate_NegativeMaxBatchSize_Reported() =>
        Assert.Contains("max_batch_size: -1 is negative, expected 0 (no batching) or more", Errors(Copy(Valid(), maxBatchSize: -1)));

    [Fact]
    public void Validate_BadTensors_EachReportedWithItsPath()
    {
        var inputs = new[]
        {
            new TensorConfiguration { Name = "x", Datatype = "FLOAT", Dims = [3, 0, -2] },
            new TensorConfiguration { Name = "x", Datatype = "FP32", Dims = [1] },
            new TensorConfiguration { Name = "", Datatype = "FP32", Dims = [1] },
        };

        var errors = Errors(Copy(Valid(), inputs: inputs, outputs: Array.Empty<TensorConfiguration>()));

        Assert.Contains(errors, e => e.StartsWith("inputs[0].datatype: 'FLOAT' is not a datatype", StringComparison.Ordinal));
        Assert.Contains("inputs[0].dims[1]: 0 is not a dimension, expected -1 (variable) or a positive size", errors);
        Assert.Contains("inputs[0].dims[2]: -2 is not a dimension, expected -1 (variable) or a positive size", errors);
        Assert.Contains("inputs[1].name: 'x' appears more than once", errors);
        Assert.Contains("inputs[2].name: is required", errors);
        Assert.Contains("outputs: at least one tensor is required", errors);
    }

    [Fact]
    public void Validate_PreferredSizeAboveMax_ReportedWithIndex()
    {
        var errors = Errors(WithBatching(b => Batching(b, preferred: [8, 64, 8, 0])));

        Assert.Contains("dynamic_batching.preferred_batch_size[1]: 64 exceeds max_batch_size 32", errors);
        Assert.Contains("dynamic_batching.preferred_batch_size[2]: 8 appears more than once", errors);
        Assert.Contains("dynamic_batching.preferred_batch_size[3]: 0 is not a batch size, expected 1 or more", errors);
    }

    [Fact]
    public void Validate_BatchingWithoutBatchDimension_Reported() =>
        Assert.Contains(
            "dynamic_batching: requires max_batch_size > 0: a model without a batch dimension cannot batch",
            Errors(Copy(Valid(), maxBatchSize: 0, dynamicBatching: new DynamicBatchingConfiguration())));

    [Theory]
    [InlineData(2, 3, "dynamic_batching.default_priority_level: 3 is outside [1, 2]")]
    [InlineData(2, 0, "dynamic_batching.default_priority_level: 0 is outside [1, 2]")]
    [InlineData(0, 1, "dynamic_batching.default_priority_level: 1 is set but priority_levels is 0")]
    [InlineData(-1, 1, "dynamic_batching.priority_levels: -1 is negative")]
    public void Validate_BadPriorityLevels_Reported(int levels, int defaultLevel, string expected) =>
        Assert.Contains(expected, Errors(WithBatching(b => Batching(b, levels: levels, defaultLevel: defaultLevel))));

    [Fact]
    public void Validate_BadQueuePolicy_EveryFieldReported()
    {
        var policy = new QueuePolicyConfiguration { MaxQueueSize = -1, DefaultTimeoutUs = -5, TimeoutAction = "DROP" };

        var errors = Errors(WithBatching(b => Batching(b, delay: -1, policy: policy)));

        Assert.Contains("dynamic_batching.max_queue_delay_us: -1 is negative", errors);
        Assert.Contains("dynamic_batching.default_queue_policy.max_queue_size: -1 is negative, expected 0 (unbounded) or more", errors);
        Assert.Contains("dynamic_batching.default_queue_policy.default_timeout_us: -5 is negative, expected 0 (none) or more", errors);
        Assert.Contains("dynamic_batching.default_queue_policy.timeout_action: 'DROP' is not an action, expected REJECT or DELAY", errors);
    }

    [Fact]
    public void Validate_BadInstanceGroup_Reported()
    {
        Assert.Contains("instance_group.count: 0 is not an instance count, expected 1 or more", Errors(Copy(Valid(), instanceGroup: new() { Count = 0 })));
        Assert.Contains("instance_group.kind: 'TPU' is not a kind, expected CPU or GPU", Errors(Copy(Valid(), instanceGroup: new() { Kind = "TPU" })));
        Assert.Contains("instance_group.gpus: must be empty for kind CPU", Errors(Copy(Valid(), instanceGroup: new() { Kind = "CPU", Gpus = [0] })));
        var gpuErrors = Errors(Copy(Valid(), instanceGroup: new() { Kind = "GPU", Gpus = [0, 0, -1] }));
        Assert.Contains("instance_group.gpus[1]: 0 appears more than once", gpuErrors);
        Assert.Contains("instance_group.gpus[2]: -1 is not a GPU ordinal", gpuErrors);
    }

    [Fact]
    public void Validate_BadVersionPolicy_Reported()
    {
        var two = new VersionPolicyConfiguration { All = new(), Latest = new() { NumVersions = 0 } };
        var specific = new VersionPolicyConfiguration { Specific = new() { Versions = [1, 1, 0] } };

        Assert.Contains("version_policy: give exactly one of latest, all or specific", Errors(Copy(Valid(), versionPolicy: two)));
        Assert.Contains("version_policy.latest.num_versions: 0 is not a count, expected 1 or more", Errors(Copy(Valid(), versionPolicy: two)));
        Assert.Contains("version_policy.specific.versions[1]: 1 appears more than once", Errors(Copy(Valid(), versionPolicy: specific)));
        Assert.Contains("version_policy.specific.versions[2]: 0 is not a version, expected 1 or more", Errors(Copy(Valid(), versionPolicy: specific)));
        Assert.Contains("version_policy.specific.versions: at least one version is required", Errors(Copy(Valid(), versionPolicy: new() { Specific = new() })));
    }

    [Fact]
    public void Validate_IncompleteVariant_EveryFieldReported()
    {
        var variant = new VariantMetadata { Quality = new QualityMetadata { Value = double.NaN } };

        var errors = Errors(Copy(Valid(), variant: variant));

        Assert.Contains("variant.task: is required", errors);
        Assert.Contains("variant.family: is required", errors);
        Assert.Contains("variant.quality.metric: is required", errors);
        Assert.Contains("variant.quality.value: must be a finite number", errors);
        Assert.Contains(errors, e => e.StartsWith("variant.quality.dataset: is required", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_ManyProblems_AllReportedAtOnce()
    {
        var config = ModelConfigurationSerializer.Parse("""
            {
              "name": "", "platform": "tf", "max_batch_size": 4,
              "inputs": [ { "name": "x", "datatype": "F32", "dims": [0] } ],
              "outputs": [],
              "dynamic_batching": { "preferred_batch_size": [8], "priority_levels": 1, "default_priority_level": 2,
                                    "default_queue_policy": { "timeout_action": "LATER" } },
              "instance_group": { "count": 0, "kind": "FPGA" },
              "version_policy": { "latest": { "num_versions": 0 } }
            }
            """, out var parseError)!;

        var errors = ModelConfigValidator.Validate(config);

        Assert.Null(parseError);
        Assert.Equal(11, errors.Count);
        Assert.Equal(11, errors.Select(e => e.Path).Distinct().Count());
    }
}

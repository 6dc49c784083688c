namespace Serving.Worker.Repository;

/// <summary>
/// The contents of <c>&lt;repo&gt;/&lt;model&gt;/config.json</c>: how one model variant is served.
/// </summary>
/// <remarks>
/// Mirrors the Triton model configuration in JSON with snake_case names, restricted to what the
/// worker implements, plus <see cref="Variant"/>: the metadata the router's selector needs.
/// Enumerated fields (datatype, kind, timeout action) stay strings here so that
/// <see cref="ModelConfigValidator"/> can report every bad value with its path instead of the
/// parser failing on the first one.
/// </remarks>
public sealed class ModelConfiguration
{
    /// <summary>The model name; must equal the model's directory name.</summary>
    public string Name { get; init; } = "";

    /// <summary>The runtime; only <see cref="OnnxRuntimePlatform"/> is served.</summary>
    public string Platform { get; init; } = OnnxRuntimePlatform;

    /// <summary>Largest batch the model accepts; 0 means the model has no batch dimension.</summary>
    public int MaxBatchSize { get; init; }

    /// <summary>Input tensors, without the batch dimension when <see cref="MaxBatchSize"/> &gt; 0.</summary>
    public IReadOnlyList<TensorConfiguration> Inputs { get; init; } = [];

    /// <summary>Output tensors, without the batch dimension when <see cref="MaxBatchSize"/> &gt; 0.</summary>
    public IReadOnlyList<TensorConfiguration> Outputs { get; init; } = [];

    /// <summary>Dynamic batching settings; null runs every request as soon as an instance is free.</summary>
    public DynamicBatchingConfiguration? DynamicBatching { get; init; }

    /// <summary>How many execution instances run, and where.</summary>
    public InstanceGroupConfiguration InstanceGroup { get; init; } = new();

    /// <summary>Which of the versions on disk are served; latest 1 when absent.</summary>
    public VersionPolicyConfiguration VersionPolicy { get; init; } = new();

    /// <summary>Catalogue metadata for per-request variant selection; optional.</summary>
    public VariantMetadata? Variant { get; init; }

    /// <summary>The platform name of ONNX models in our configuration.</summary>
    public const string OnnxRuntimePlatform = "onnxruntime";
}

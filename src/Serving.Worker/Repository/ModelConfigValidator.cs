using System.Text.RegularExpressions;

namespace Serving.Worker.Repository;

/// <summary>
/// Checks a parsed configuration and returns every problem at once, each with its JSON path,
/// so that an operator fixes a config.json in one round instead of one error per restart.
/// </summary>
public static partial class ModelConfigValidator
{
    /// <summary>Validates <paramref name="config"/>; an empty list means it can be served.</summary>
    /// <param name="config">The parsed configuration.</param>
    /// <param name="directoryName">The model's directory name, which the name must equal; null skips the check.</param>
    public static IReadOnlyList<ConfigError> Validate(ModelConfiguration config, string? directoryName = null)
    {
        var errors = new List<ConfigError>();
        ValidateName(config, directoryName, errors);
        if (config.Platform != ModelConfiguration.OnnxRuntimePlatform)
        {
            errors.Add(new("platform", $"'{config.Platform}' is not supported, expected '{ModelConfiguration.OnnxRuntimePlatform}'"));
        }

        if (config.MaxBatchSize < 0)
        {
            errors.Add(new("max_batch_size", $"{config.MaxBatchSize} is negative, expected 0 (no batching) or more"));
        }

        ValidateTensors("inputs", config.Inputs, errors);
        ValidateTensors("outputs", config.Outputs, errors);
        if (config.DynamicBatching is { } batching)
        {
            ValidateBatching(batching, config.MaxBatchSize, errors);
        }

        ValidateInstanceGroup(config.InstanceGroup, errors);
        ValidateVersionPolicy(config.VersionPolicy, errors);
        if (config.Variant is { } variant)
        {
            ValidateVariant(variant, errors);
        }

        return errors;
    }

    private static void ValidateName(ModelConfiguration config, string? directoryName, List<ConfigError> errors)
    {
        if (string.IsNullOrEmpty(config.Name))
        {
            errors.Add(new("name", "is required"));
            return;
        }

        if (!NamePattern().IsMatch(config.Name))
        {
            errors.Add(new("name", $"'{config.Name}' may contain only letters, digits, '_', '-' and '.'"));
        }

        if (directoryName is not null && config.Name != directoryName)
        {
            errors.Add(new("name", $"'{config.Name}' differs from the model directory '{directoryName}'"));
        }
    }

    private static void ValidateTensors(string field, IReadOnlyList<TensorConfiguration> tensors, List<ConfigError> errors)
    {
        if (tensors.Count == 0)
        {
            errors.Add(new(field, "at least one tensor is required"));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < tensors.Count; i++)
        {
            var path = $"{field}[{i}]";
            var tensor = tensors[i];
            if (string.IsNullOrEmpty(tensor.Name))
            {
                errors.Add(new($"{path}.name", "is required"));
            }
            else if (!seen.Add(tensor.Name))
            {
                errors.Add(new($"{path}.name", $"'{tensor.Name}' appears more than once"));
            }

            if (!TensorDataTypes.IsKnown(tensor.Datatype))
            {
                errors.Add(new($"{path}.datatype", $"'{tensor.Datatype}' is not a datatype, expected one of {string.Join(", ", TensorDataTypes.All)}"));
            }

            for (var d = 0; d < tensor.Dims.Count; d++)
            {
                if (tensor.Dims[d] is 0 or < -1)
                {
                    errors.Add(new($"{path}.dims[{d}]", $"{tensor.Dims[d]} is not a dimension, expected -1 (variable) or a positive size"));
                }
            }
        }
    }

    private static void ValidateBatching(DynamicBatchingConfiguration batching, int maxBatchSize, List<ConfigError> errors)
    {
        const string root = "dynamic_batching";
        if (maxBatchSize == 0)
        {
            errors.Add(new(root, "requires max_batch_size > 0: a model without a batch dimension cannot batch"));
        }

        var seen = new HashSet<int>();
        for (var i = 0; i < batching.PreferredBatchSize.Count; i++)
        {
            var size = batching.PreferredBatchSize[i];
            var path = $"{root}.preferred_batch_size[{i}]";
            if (size < 1)
            {
                errors.Add(new(path, $"{size} is not a batch size, expected 1 or more"));
            }
            else if (maxBatchSize > 0 && size > maxBatchSize)
            {
                errors.Add(new(path, $"{size} exceeds max_batch_size {maxBatchSize}"));
            }
            else if (!seen.Add(size))
            {
                errors.Add(new(path, $"{size} appears more than once"));
            }
        }

        if (batching.MaxQueueDelayUs < 0)
        {
            errors.Add(new($"{root}.max_queue_delay_us", $"{batching.MaxQueueDelayUs} is negative"));
        }

        if (batching.PriorityLevels < 0)
        {
            errors.Add(new($"{root}.priority_levels", $"{batching.PriorityLevels} is negative"));
        }
        else if (batching.PriorityLevels == 0 && batching.DefaultPriorityLevel != 0)
        {
            errors.Add(new($"{root}.default_priority_level", $"{batching.DefaultPriorityLevel} is set but priority_levels is 0"));
        }
        else if (batching.PriorityLevels > 0 && (batching.DefaultPriorityLevel < 1 || batching.DefaultPriorityLevel > batching.PriorityLevels))
        {
            errors.Add(new($"{root}.default_priority_level", $"{batching.DefaultPriorityLevel} is outside [1, {batching.PriorityLevels}]"));
        }

        var policy = batching.DefaultQueuePolicy;
        const string policyPath = root + ".default_queue_policy";
        if (policy.MaxQueueSize < 0)
        {
            errors.Add(new($"{policyPath}.max_queue_size", $"{policy.MaxQueueSize} is negative, expected 0 (unbounded) or more"));
        }

        if (policy.DefaultTimeoutUs < 0)
        {
            errors.Add(new($"{policyPath}.default_timeout_us", $"{policy.DefaultTimeoutUs} is negative, expected 0 (none) or more"));
        }

        if (policy.TimeoutAction is not (TimeoutActions.Reject or TimeoutActions.Delay))
        {
            errors.Add(new($"{policyPath}.timeout_action", $"'{policy.TimeoutAction}' is not an action, expected REJECT or DELAY"));
        }
    }

    private static void ValidateInstanceGroup(InstanceGroupConfiguration group, List<ConfigError> errors)
    {
        if (group.Count < 1)
        {
            errors.Add(new("instance_group.count", $"{group.Count} is not an instance count, expected 1 or more"));
        }

        if (group.Kind is not (InstanceKinds.Cpu or InstanceKinds.Gpu))
        {
            errors.Add(new("instance_group.kind", $"'{group.Kind}' is not a kind, expected CPU or GPU"));
        }
        else if (group.Kind == InstanceKinds.Cpu && group.Gpus.Count > 0)
        {
            errors.Add(new("instance_group.gpus", "must be empty for kind CPU"));
        }

        var seen = new HashSet<int>();
        for (var i = 0; i < group.Gpus.Count; i++)
        {
            if (group.Gpus[i] < 0)
            {
                errors.Add(new($"instance_group.gpus[{i}]", $"{group.Gpus[i]} is not a GPU ordinal"));
            }
            else if (!seen.Add(group.Gpus[i]))
            {
                errors.Add(new($"instance_group.gpus[{i}]", $"{group.Gpus[i]} appears more than once"));
            }
        }
    }

    private static void ValidateVersionPolicy(VersionPolicyConfiguration policy, List<ConfigError> errors)
    {
        var chosen = (policy.Latest is null ? 0 : 1) + (policy.All is null ? 0 : 1) + (policy.Specific is null ? 0 : 1);
        if (chosen > 1)
        {
            errors.Add(new("version_policy", "give exactly one of latest, all or specific"));
        }

        if (policy.Latest is { NumVersions: < 1 } latest)
        {
            errors.Add(new("version_policy.latest.num_versions", $"{latest.NumVersions} is not a count, expected 1 or more"));
        }

        if (policy.Specific is { } specific)
        {
            if (specific.Versions.Count == 0)
            {
                errors.Add(new("version_policy.specific.versions", "at least one version is required"));
            }

            var seen = new HashSet<long>();
            for (var i = 0; i < specific.Versions.Count; i++)
            {
                if (specific.Versions[i] < 1)
                {
                    errors.Add(new($"version_policy.specific.versions[{i}]", $"{specific.Versions[i]} is not a version, expected 1 or more"));
                }
                else if (!seen.Add(specific.Versions[i]))
                {
                    errors.Add(new($"version_policy.specific.versions[{i}]", $"{specific.Versions[i]} appears more than once"));
                }
            }
        }
    }

    private static void ValidateVariant(VariantMetadata variant, List<ConfigError> errors)
    {
        if (string.IsNullOrEmpty(variant.Task))
        {
            errors.Add(new("variant.task", "is required"));
        }

        if (string.IsNullOrEmpty(variant.Family))
        {
            errors.Add(new("variant.family", "is required"));
        }

        if (variant.Quality is { } quality)
        {
            if (string.IsNullOrEmpty(quality.Metric))
            {
                errors.Add(new("variant.quality.metric", "is required"));
            }

            if (!double.IsFinite(quality.Value))
            {
                errors.Add(new("variant.quality.value", "must be a finite number"));
            }

            if (string.IsNullOrEmpty(quality.Dataset))
            {
                errors.Add(new("variant.quality.dataset", "is required: a quality number without its data set cannot be compared"));
            }
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]+$")]
    private static partial Regex NamePattern();
}

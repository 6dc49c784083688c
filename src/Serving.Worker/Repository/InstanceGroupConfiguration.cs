namespace Serving.Worker.Repository;

/// <summary>How many instances of the model execute concurrently, and on which device.</summary>
public sealed class InstanceGroupConfiguration
{
    /// <summary>Instances (per listed GPU on GPU); each runs one batch at a time.</summary>
    public int Count { get; init; } = 1;

    /// <summary><c>CPU</c> or <c>GPU</c>.</summary>
    public string Kind { get; init; } = InstanceKinds.Cpu;

    /// <summary>GPU ordinals for kind GPU; empty means every visible GPU.</summary>
    public IReadOnlyList<int> Gpus { get; init; } = [];
}

/// <summary>The values of <see cref="InstanceGroupConfiguration.Kind"/>.</summary>
public static class InstanceKinds
{
    /// <summary>Run on the CPU execution provider.</summary>
    public const string Cpu = "CPU";

    /// <summary>Run on the CUDA execution provider.</summary>
    public const string Gpu = "GPU";
}

namespace Serving.Models.Inspection;

/// <summary>Cost of one operator type in a model: how many nodes and how many multiply-adds.</summary>
/// <param name="Nodes">Nodes of this type, counting nodes inside <c>If</c> branches.</param>
/// <param name="MultiplyAdds">Multiply-adds of all these nodes, both branches of every <c>If</c> included.</param>
public sealed record OpTypeCost(int Nodes, long MultiplyAdds);

/// <summary>What <see cref="ModelInspector"/> found in a model, for a batch of one at the given input size.</summary>
/// <remarks>
/// Conventions (those of the papers the zoo reproduces): <see cref="MultiplyAdds"/> counts the
/// multiply-adds of Conv and of matrix products (MatMul, Gemm) only; batch
/// normalisation, activations, element-wise arithmetic, pooling and resizing are free.
/// <see cref="Parameters"/> counts every element of every floating-point initializer (batch-norm
/// running mean and variance included); <see cref="LearnableParameters"/> leaves the running
/// statistics out, which is what PyTorch's <c>parameters()</c> and the papers report. Integer
/// initializers (shapes, axes, split sizes) are plumbing and never counted.
/// </remarks>
public sealed record ModelReport
{
    public required long Parameters { get; init; }

    public required long LearnableParameters { get; init; }

    /// <summary>Multiply-adds with every <c>If</c> taking its most expensive branch (equals <see cref="MultiplyAddsMax"/>).</summary>
    public long MultiplyAdds => MultiplyAddsMax;

    /// <summary>Multiply-adds with every <c>If</c> taking its cheapest branch: the least work a run can do.</summary>
    public required long MultiplyAddsMin { get; init; }

    public required long MultiplyAddsMax { get; init; }

    /// <summary>Number of <c>If</c> nodes (data-dependent paths), nested ones included.</summary>
    public required int ConditionalNodes { get; init; }

    public required IReadOnlyDictionary<string, OpTypeCost> PerOpType { get; init; }

    /// <summary>The input shapes the costs were computed for (symbolic dimensions resolved).</summary>
    public required IReadOnlyDictionary<string, long[]> InputShapes { get; init; }

    /// <summary>The inferred output shapes.</summary>
    public required IReadOnlyDictionary<string, long[]> OutputShapes { get; init; }
}

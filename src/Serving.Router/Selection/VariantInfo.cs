namespace Serving.Router.Selection;

/// <summary>One model variant of a task, as the catalogue describes it.</summary>
/// <param name="Name">Variant name (the model name workers host and report).</param>
/// <param name="Task">Task it serves (e.g. <c>face-embedding</c>, <c>person-segmentation</c>).</param>
/// <param name="Quality">Measured quality on the task's labelled dev set (higher is better; e.g. AUC or mIoU).</param>
/// <param name="Synthetic">True for seeded-weight architectures that must not answer production traffic unless the catalogue allows it.</param>
public sealed record VariantInfo(string Name, string Task, double Quality, bool Synthetic = false)
{
    /// <summary>Relative compute cost per image (e.g. GFLOPs); used by the always-cheapest policy.</summary>
    public double Cost { get; init; }

    /// <summary>Decision threshold calibrated for the variant (face verification: cosine); null when the catalogue gives none.</summary>
    public double? Threshold { get; init; }

    /// <summary>The model's first input as its configuration declares it (name, wire dims without the batch dimension when batched); null when unknown.</summary>
    public VariantInput? Input { get; init; }
}

/// <summary>The first input of a variant's model: what a front end must send.</summary>
/// <param name="Name">Tensor name.</param>
/// <param name="Dims">Dimensions as the model configuration lists them (without the batch dimension when <paramref name="Batched"/>).</param>
/// <param name="Batched">Whether the model takes a leading batch dimension (<c>max_batch_size</c> &gt; 0).</param>
public sealed record VariantInput(string Name, IReadOnlyList<long> Dims, bool Batched);

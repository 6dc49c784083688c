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
}

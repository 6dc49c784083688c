namespace Serving.Worker.Repository;

/// <summary>What the router needs to choose this variant for a request.</summary>
public sealed class VariantMetadata
{
    /// <summary>The task the variant serves, e.g. <c>face_embedding</c> or <c>segmentation</c>.</summary>
    public string Task { get; init; } = "";

    /// <summary>The architecture family, e.g. <c>dpn</c>, <c>weightnet</c>.</summary>
    public string Family { get; init; } = "";

    /// <summary>The measured quality that ranks variants of a task.</summary>
    public QualityMetadata? Quality { get; init; }

    /// <summary>True for seeded-weight models that must not answer production traffic by default.</summary>
    public bool Synthetic { get; init; }

    /// <summary>A face embedder's verification threshold (cosine), calibrated by <c>serving eval face</c>; null when not calibrated.</summary>
    public double? Threshold { get; init; }
}

/// <summary>A measured quality number and where it was measured.</summary>
public sealed class QualityMetadata
{
    /// <summary>The metric name, e.g. <c>auc</c> or <c>miou</c>.</summary>
    public string Metric { get; init; } = "";

    /// <summary>The measured value; higher is better.</summary>
    public double Value { get; init; }

    /// <summary>The labelled set it was measured on.</summary>
    public string Dataset { get; init; } = "";

    /// <summary>When it was measured (ISO 8601, UTC), when recorded by <c>serving eval --write-to</c>.</summary>
    public string? MeasuredAt { get; init; }
}

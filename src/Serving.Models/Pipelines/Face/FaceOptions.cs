namespace Serving.Models.Pipelines.Face;

/// <summary>Detection settings of the face pipeline.</summary>
/// <param name="ScoreThreshold">Minimum face probability for a detection (0.7: the detector's usual operating point).</param>
/// <param name="NmsIou">Overlap above which the lower-scored of two detections is dropped.</param>
public sealed record FaceOptions(float ScoreThreshold = 0.7f, float NmsIou = 0.3f)
{
    /// <summary>The defaults.</summary>
    public static FaceOptions Default { get; } = new();
}

namespace Serving.Router.Tasks;

/// <summary>The catalogue tasks the task API serves (as model configs name them in <c>variant.task</c>).</summary>
public static class TaskNames
{
    /// <summary>Face embedding models (Verify and Embed select among them).</summary>
    public const string FaceEmbedding = "face-embedding";

    /// <summary>Face detectors (every face pipeline starts with one; Detect selects among them).</summary>
    public const string FaceDetection = "face-detection";

    /// <summary>68-point face landmark models (alignment before embedding).</summary>
    public const string FaceLandmarks = "face-landmarks";

    /// <summary>Person / salient-object segmentation models (Segment selects among them).</summary>
    public const string PersonSegmentation = "person-segmentation";
}

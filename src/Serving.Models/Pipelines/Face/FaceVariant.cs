namespace Serving.Models.Pipelines.Face;

/// <summary>The models and calibrated threshold that make one face-verification variant.</summary>
/// <remarks>
/// The threshold belongs to the embedding model: cosine scales differ between embedders, so a threshold
/// tuned for one is meaningless for another. It comes from the variant's config, computed with
/// <see cref="ThresholdCalibration"/> on a labelled pair set.
/// </remarks>
/// <param name="Name">The variant's name in the catalogue.</param>
/// <param name="DetectorModel">Model name of the detector (fr_detect conventions).</param>
/// <param name="LandmarkModel">Model name of the 68-point landmark model (fr_landmark conventions).</param>
/// <param name="EmbeddingModel">Model name of the 112x112 ArcFace-aligned embedder.</param>
/// <param name="VerifyThreshold">Cosine at or above which two faces are the same person.</param>
public sealed record FaceVariant(string Name, string DetectorModel, string LandmarkModel, string EmbeddingModel, double VerifyThreshold)
{
    /// <summary>
    /// The real MIT models (faceplugin-face-recognition-js 0.0.1) with the threshold calibrated on the faces
    /// dev set (316 labelled pairs of ../shared/data/faces): <see cref="ThresholdCalibration"/> gave 0.366
    /// (99.68% accuracy; any threshold between 0.351 and 0.381 does as well), rounded to 0.37 rather than
    /// tuned further. The dev set is labelled data external to the traffic served; re-check the threshold
    /// with <c>serving eval face</c> on other labelled pairs before relying on it elsewhere.
    /// </summary>
    public static FaceVariant FacePlugin { get; } = new("fr_feature", "fr_detect", "fr_landmark", "fr_feature", 0.37);
}

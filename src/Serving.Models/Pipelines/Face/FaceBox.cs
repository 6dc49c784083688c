using System.Numerics;

namespace Serving.Models.Pipelines.Face;

/// <summary>A detected face's box in image pixels, with the detector's probability.</summary>
public readonly record struct FaceBox(float X1, float Y1, float X2, float Y2, float Score)
{
    /// <summary>Box width in pixels.</summary>
    public float Width => X2 - X1;

    /// <summary>Box height in pixels.</summary>
    public float Height => Y2 - Y1;

    /// <summary>Box area in square pixels (0 when degenerate).</summary>
    public float Area => Math.Max(0, Width) * Math.Max(0, Height);

    /// <summary>Intersection over union with <paramref name="other"/>.</summary>
    public float IoU(FaceBox other)
    {
        float w = Math.Min(X2, other.X2) - Math.Max(X1, other.X1);
        float h = Math.Min(Y2, other.Y2) - Math.Max(Y1, other.Y1);
        if (w <= 0 || h <= 0)
        {
            return 0;
        }

        float intersection = w * h;
        return intersection / (Area + other.Area - intersection);
    }
}

/// <summary>A face found in an image: its box and the five alignment points in image pixels.</summary>
/// <param name="Box">The detector's box.</param>
/// <param name="Landmarks">Eye centres (image-left, image-right), nose tip, mouth corners (image-left, image-right).</param>
public sealed record DetectedFace(FaceBox Box, IReadOnlyList<Vector2> Landmarks);

/// <summary>An L2-normalised face embedding and the face it describes.</summary>
/// <param name="Vector">Unit-length embedding.</param>
/// <param name="Face">The face that was embedded (the main face of its image).</param>
public sealed record FaceEmbedding(float[] Vector, DetectedFace Face);

/// <summary>The answer to "same person?": the cosine, the variant's threshold and the decision.</summary>
public sealed record FaceVerification(double Cosine, double Threshold, bool SamePerson, FaceEmbedding A, FaceEmbedding B);

using System.Numerics;

namespace Serving.Models.Pipelines.Face;

/// <summary>A 2-D similarity (rotation, uniform scale, translation): p' = [a -b; b a] p + t.</summary>
/// <remarks>
/// Fitted by least squares to point pairs (Umeyama 1991 restricted to proper rotations): with both point sets
/// centred, a = sum(s.d) / sum|s|^2 and b = sum(s x d) / sum|s|^2, t = mean(d) - R mean(s). Parametrising R
/// as [a -b; b a] excludes reflections by construction, so a mirrored face is never "aligned" by flipping.
/// </remarks>
internal readonly record struct SimilarityTransform(float A, float B, float Tx, float Ty)
{
    /// <summary>The canonical five points of the 112x112 ArcFace crop (eyes, nose tip, mouth corners).</summary>
    public static IReadOnlyList<Vector2> ArcFaceTemplate { get; } =
    [
        new(38.2946f, 51.6963f),
        new(73.5318f, 51.5014f),
        new(56.0252f, 71.7366f),
        new(41.5493f, 92.3655f),
        new(70.7299f, 92.2041f),
    ];

    /// <summary>The least-squares similarity sending each <paramref name="source"/> point to its <paramref name="target"/>.</summary>
    public static SimilarityTransform Estimate(IReadOnlyList<Vector2> source, IReadOnlyList<Vector2> target)
    {
        if (source.Count != target.Count || source.Count < 2)
        {
            throw new ArgumentException("A similarity needs at least two point pairs, as many sources as targets.");
        }

        Vector2 ms = Vector2.Zero, md = Vector2.Zero;
        for (int i = 0; i < source.Count; i++)
        {
            ms += source[i];
            md += target[i];
        }

        ms /= source.Count;
        md /= source.Count;
        double dot = 0, cross = 0, norm = 0;
        for (int i = 0; i < source.Count; i++)
        {
            Vector2 s = source[i] - ms;
            Vector2 d = target[i] - md;
            dot += s.X * d.X + s.Y * d.Y;
            cross += s.X * d.Y - s.Y * d.X;
            norm += s.X * s.X + s.Y * s.Y;
        }

        if (norm < 1e-12)
        {
            throw new ArgumentException("The source points coincide; no similarity is defined.");
        }

        float a = (float)(dot / norm);
        float b = (float)(cross / norm);
        return new SimilarityTransform(a, b, md.X - (a * ms.X - b * ms.Y), md.Y - (b * ms.X + a * ms.Y));
    }

    /// <summary>Applies the transform.</summary>
    public Vector2 Apply(Vector2 p) => new(A * p.X - B * p.Y + Tx, B * p.X + A * p.Y + Ty);

    /// <summary>The inverse transform (used to pull each output pixel from the source image).</summary>
    public SimilarityTransform Inverse()
    {
        float n = A * A + B * B;
        float ia = A / n;
        float ib = -B / n;
        return new SimilarityTransform(ia, ib, -(ia * Tx - ib * Ty), -(ib * Tx + ia * Ty));
    }
}

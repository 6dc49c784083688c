using System.Numerics;
using Serving.Models.Imaging;
using Serving.OnnxRuntime;

namespace Serving.Models.Pipelines.Face;

/// <summary>Detect, align, embed and verify faces with one <see cref="FaceVariant"/>'s models.</summary>
/// <remarks>
/// Steps: detector -> boxes (threshold, NMS) -> 68 landmarks per box -> five points -> least-squares
/// similarity onto the 112x112 ArcFace template -> bilinear warp -> embedding -> L2 normalisation.
/// Embed and Verify use the main face of an image (see <see cref="MainFace"/>); Detect returns all.
/// Stateless apart from its runner and settings: safe for concurrent use.
/// </remarks>
public sealed class FacePipeline
{
    private const int AlignedSize = 112;
    private readonly IModelRunner _runner;
    private readonly FaceOptions _options;

    /// <summary>Creates the pipeline over <paramref name="runner"/>, which must know the variant's three models.</summary>
    public FacePipeline(IModelRunner runner, FaceVariant variant, FaceOptions? options = null)
    {
        _runner = runner ?? throw new ArgumentNullException(nameof(runner));
        Variant = variant ?? throw new ArgumentNullException(nameof(variant));
        _options = options ?? FaceOptions.Default;
    }

    /// <summary>The models and threshold used.</summary>
    public FaceVariant Variant { get; }

    /// <summary>All faces of <paramref name="image"/> with their five landmarks, highest score first (empty when none).</summary>
    public async Task<IReadOnlyList<DetectedFace>> DetectAsync(RgbImage image, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        IReadOnlyList<FaceBox> boxes = await FaceDetector.DetectAsync(_runner, Variant.DetectorModel, image, _options, cancellationToken).ConfigureAwait(false);
        var faces = new List<DetectedFace>(boxes.Count);
        foreach (FaceBox box in boxes)
        {
            faces.Add(await LandmarksAsync(image, box, cancellationToken).ConfigureAwait(false));
        }

        return faces;
    }

    /// <summary>The embedding of the main face of <paramref name="image"/> (largest, near the centre).</summary>
    /// <param name="image">The decoded image.</param>
    /// <param name="imageName">How the caller names the image (e.g. "image_a"), for the no-face error.</param>
    /// <param name="cancellationToken">Cancels the model runs.</param>
    /// <exception cref="NoFaceException">No face above the score threshold.</exception>
    public async Task<FaceEmbedding> EmbedAsync(RgbImage image, string imageName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        IReadOnlyList<FaceBox> boxes = await FaceDetector.DetectAsync(_runner, Variant.DetectorModel, image, _options, cancellationToken).ConfigureAwait(false);
        if (boxes.Count == 0)
        {
            throw new NoFaceException(imageName);
        }

        DetectedFace face = await LandmarksAsync(image, MainFace(boxes, image.Width, image.Height), cancellationToken).ConfigureAwait(false);
        float[] vector = await EmbedAlignedAsync(image, face, cancellationToken).ConfigureAwait(false);
        return new FaceEmbedding(vector, face);
    }

    /// <summary>Whether the largest faces of two images are the same person, by cosine against the variant's threshold.</summary>
    /// <exception cref="NoFaceException">An image has no face; the message names "image_a" or "image_b".</exception>
    public async Task<FaceVerification> VerifyAsync(RgbImage imageA, RgbImage imageB, CancellationToken cancellationToken = default)
    {
        FaceEmbedding a = await EmbedAsync(imageA, "image_a", cancellationToken).ConfigureAwait(false);
        FaceEmbedding b = await EmbedAsync(imageB, "image_b", cancellationToken).ConfigureAwait(false);
        double cosine = Cosine(a.Vector, b.Vector);
        return new FaceVerification(cosine, Variant.VerifyThreshold, cosine >= Variant.VerifyThreshold, a, b);
    }

    /// <summary>Cosine similarity of two vectors (their dot product when both are unit length).</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"Embeddings differ in length ({a.Length} vs {b.Length}).");
        }

        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }

        return na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
    }

    /// <summary>
    /// The subject of the image: the largest face, penalised by twice its squared distance from the image
    /// centre (InsightFace's main-face rule).
    /// </summary>
    /// <remarks>
    /// Pure "largest" picks blurred background detections on portraits shot with a long lens (the faces
    /// dev set's img41: a 0.988-score box on the bokeh behind the subject, larger than the subject's face);
    /// the centre term keeps the photographed person.
    /// </remarks>
    internal static FaceBox MainFace(IReadOnlyList<FaceBox> boxes, int width, int height) =>
        boxes.MaxBy(b =>
        {
            float dx = (b.X1 + b.X2) / 2 - width / 2f;
            float dy = (b.Y1 + b.Y2) / 2 - height / 2f;
            return b.Area - 2f * (dx * dx + dy * dy);
        });

    /// <summary>The 112x112 aligned crop of <paramref name="face"/> as a planar RGB tensor, (x - 127) / 128.</summary>
    internal static float[] AlignedInput(RgbImage image, DetectedFace face)
    {
        SimilarityTransform inverse = SimilarityTransform.Estimate(face.Landmarks, SimilarityTransform.ArcFaceTemplate).Inverse();
        var input = new float[3 * AlignedSize * AlignedSize];
        Sampling.ToChw(image, input, AlignedSize, AlignedSize, (u, v) => inverse.Apply(new Vector2(u, v)), 127f, 128f);
        return input;
    }

    private async Task<DetectedFace> LandmarksAsync(RgbImage image, FaceBox box, CancellationToken cancellationToken)
    {
        Vector2[] points = await FaceLandmarker.LocateAsync(_runner, Variant.LandmarkModel, image, box, cancellationToken).ConfigureAwait(false);
        return new DetectedFace(box, FaceLandmarker.FivePoints(points));
    }

    private async Task<float[]> EmbedAlignedAsync(RgbImage image, DetectedFace face, CancellationToken cancellationToken)
    {
        float[] input = AlignedInput(image, face);
        NamedTensor tensor = NamedTensor.Create<float>("input", [1, 3, AlignedSize, AlignedSize], input);
        using ModelOutputs outputs = await _runner.RunAsync(Variant.EmbeddingModel, [tensor], cancellationToken).ConfigureAwait(false);
        float[] vector = outputs.Outputs[0].GetSpan<float>().ToArray();
        double norm = Math.Sqrt(vector.Sum(v => (double)v * v));
        if (norm > 0)
        {
            for (int i = 0; i < vector.Length; i++)
            {
                vector[i] = (float)(vector[i] / norm);
            }
        }

        return vector;
    }
}

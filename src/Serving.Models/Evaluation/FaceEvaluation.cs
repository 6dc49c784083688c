using System.Diagnostics;
using Serving.Models.Imaging;
using Serving.Models.Pipelines.Face;

namespace Serving.Models.Evaluation;

/// <summary>Measures a face variant on labelled pairs: AUC, TAR at FAR, accuracy, mean cosines.</summary>
/// <remarks>
/// Each image is decoded and embedded once (pairs reuse images heavily: 316 pairs over 73 images), several
/// images at a time; embeddings are keyed by image and pairs scored in file order afterwards, so the result
/// does not depend on the parallelism. An image without a face does not abort the run: it scores -1
/// in its pairs (a "different" decision, counted against same pairs) and is listed in the result.
/// </remarks>
public static class FaceEvaluation
{
    /// <summary>Evaluates <paramref name="pipeline"/> on the pairs of <paramref name="pairsPath"/>.</summary>
    /// <param name="pipeline">The variant's pipeline.</param>
    /// <param name="pairsPath">The <c>image_a,image_b,same</c> CSV.</param>
    /// <param name="imagesDirectory">Where the images are; default: <c>images/</c> beside the CSV.</param>
    /// <param name="maxParallelism">Images embedded at once (default: the processor count).</param>
    /// <param name="cancellationToken">Stops between images.</param>
    /// <exception cref="FileNotFoundException">The CSV or an image it names is missing.</exception>
    /// <exception cref="ImageDecodeException">An image is not decodable (named in the message).</exception>
    public static async Task<FaceEvaluationResult> RunAsync(
        FacePipeline pipeline, string pairsPath, string? imagesDirectory = null, int? maxParallelism = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        var clock = Stopwatch.StartNew();
        string fullPairs = Path.GetFullPath(pairsPath);
        string directory = imagesDirectory ?? Path.Combine(Path.GetDirectoryName(fullPairs)!, "images");
        IReadOnlyList<FacePair> pairs = FacePair.ReadCsv(fullPairs);

        string[] names = pairs.SelectMany(p => new[] { p.ImageA, p.ImageB }).Distinct().ToArray();
        var vectors = new float[]?[names.Length];
        var parallel = new ParallelOptions
        {
            MaxDegreeOfParallelism = maxParallelism ?? Environment.ProcessorCount,
            CancellationToken = cancellationToken,
        };
        await Parallel.ForEachAsync(Enumerable.Range(0, names.Length), parallel, async (i, token) =>
            vectors[i] = await EmbedFileAsync(pipeline, Path.Combine(directory, names[i]), names[i], token).ConfigureAwait(false))
            .ConfigureAwait(false);
        var embeddings = new Dictionary<string, float[]?>(StringComparer.Ordinal);
        for (int i = 0; i < names.Length; i++)
        {
            embeddings[names[i]] = vectors[i];
        }

        var scored = pairs.Select(p => (Score: Score(embeddings[p.ImageA], embeddings[p.ImageB]), p.Same)).ToArray();
        double[] same = scored.Where(s => s.Same).Select(s => s.Score).ToArray();
        double[] different = scored.Where(s => !s.Same).Select(s => s.Score).ToArray();
        double threshold = pipeline.Variant.VerifyThreshold;
        (double calibrated, double calibratedAccuracy) = ThresholdCalibration.Calibrate(scored);
        return new FaceEvaluationResult(
            pipeline.Variant.Name,
            Path.GetFileName(Path.GetDirectoryName(fullPairs)) ?? fullPairs,
            scored.Length,
            same.Length,
            different.Length,
            RocMetrics.Auc(same, different),
            RocMetrics.TarAtFar(same, different, 1e-2),
            RocMetrics.TarAtFar(same, different, 1e-3),
            threshold,
            scored.Count(s => (s.Score >= threshold) == s.Same) / (double)Math.Max(1, scored.Length),
            calibrated,
            calibratedAccuracy,
            same.DefaultIfEmpty(double.NaN).Average(),
            different.DefaultIfEmpty(double.NaN).Average(),
            embeddings.Where(e => e.Value is null).Select(e => e.Key).Order(StringComparer.Ordinal).ToArray(),
            embeddings.Count,
            clock.Elapsed);
    }

    private static double Score(float[]? a, float[]? b) => a is null || b is null ? -1 : FacePipeline.Cosine(a, b);

    private static async Task<float[]?> EmbedFileAsync(FacePipeline pipeline, string path, string name, CancellationToken cancellationToken)
    {
        byte[] bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        RgbImage image;
        try
        {
            image = ImageCodec.Decode(bytes);
        }
        catch (ImageDecodeException e)
        {
            throw new ImageDecodeException($"{name}: {e.Message}", e);
        }

        using (image)
        {
            try
            {
                return (await pipeline.EmbedAsync(image, name, cancellationToken).ConfigureAwait(false)).Vector;
            }
            catch (NoFaceException)
            {
                return null;
            }
        }
    }
}

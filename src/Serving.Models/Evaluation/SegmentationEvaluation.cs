using Serving.Models.Pipelines.Segmentation;

namespace Serving.Models.Evaluation;

/// <summary>
/// Mean IoU of a segmentation pipeline on a labelled folder pair. Pairs an image <c>S.*</c> with
/// the mask <c>S.png</c>; in the VOC layout (images and targets in one folder) <c>N_image.png</c>
/// pairs with <c>N_target.png</c>. An image without a mask is an error, not a silent skip, so a
/// broken data set cannot inflate the score.
/// </summary>
public static class SegmentationEvaluation
{
    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png"];

    public static async Task<SegmentationEvaluationResult> EvaluateAsync(
        SegmentationPipeline pipeline, string modelName, string imagesDirectory, string masksDirectory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        var pairs = Pair(imagesDirectory, masksDirectory);
        var results = new List<ImageIoU>(pairs.Count);
        foreach (var (image, mask) in pairs)
        {
            var truth = GroundTruthMask.Decode(await File.ReadAllBytesAsync(mask, cancellationToken).ConfigureAwait(false));
            var predicted = await pipeline.SegmentAsync(await File.ReadAllBytesAsync(image, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            if (predicted.Width != truth.Width || predicted.Height != truth.Height)
            {
                throw new InvalidDataException($"{Path.GetFileName(image)} is {predicted.Width}x{predicted.Height} but its mask is {truth.Width}x{truth.Height}");
            }

            results.Add(new ImageIoU(Path.GetFileName(image), truth.IoU(predicted.Mask)));
        }

        var dataSet = DataSetName(imagesDirectory);
        return new SegmentationEvaluationResult(modelName, dataSet, pipeline.Threshold, results.Average(r => r.IoU), results);
    }

    /// <summary>(image, mask) paths in a stable (ordinal) order.</summary>
    internal static IReadOnlyList<(string Image, string Mask)> Pair(string imagesDirectory, string masksDirectory)
    {
        if (!Directory.Exists(imagesDirectory))
        {
            throw new DirectoryNotFoundException($"images folder not found: {imagesDirectory}");
        }

        if (!Directory.Exists(masksDirectory))
        {
            throw new DirectoryNotFoundException($"masks folder not found: {masksDirectory}");
        }

        var pairs = new List<(string, string)>();
        foreach (var image in Directory.EnumerateFiles(imagesDirectory).Order(StringComparer.Ordinal))
        {
            var stem = Path.GetFileNameWithoutExtension(image);
            if (!ImageExtensions.Contains(Path.GetExtension(image).ToLowerInvariant()) || stem.EndsWith("_target", StringComparison.Ordinal))
            {
                continue;
            }

            var maskStem = stem.EndsWith("_image", StringComparison.Ordinal) ? stem[..^"_image".Length] + "_target" : stem;
            var mask = Path.Combine(masksDirectory, maskStem + ".png");
            if (Path.GetFullPath(mask) == Path.GetFullPath(image) || !File.Exists(mask))
            {
                throw new FileNotFoundException($"no mask for {Path.GetFileName(image)}: expected {mask}", mask);
            }

            pairs.Add((image, mask));
        }

        return pairs.Count > 0 ? pairs : throw new InvalidDataException($"no images (.jpg, .jpeg, .png) in {imagesDirectory}");
    }

    /// <summary>The data set's name for quality records: the folder above images/ (person), or the folder itself (objects).</summary>
    private static string DataSetName(string imagesDirectory)
    {
        var full = Path.GetFullPath(imagesDirectory).TrimEnd(Path.DirectorySeparatorChar);
        var name = Path.GetFileName(full);
        return name == "images" ? Path.GetFileName(Path.GetDirectoryName(full)) ?? name : name;
    }
}

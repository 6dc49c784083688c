using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Serving.Models.Evaluation;

/// <summary>Formats a <see cref="FaceEvaluationResult"/> for <c>serving eval face</c> (text or <c>--json</c>).</summary>
public static class FaceEvaluationReport
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    /// <summary>Indented JSON with snake_case keys (stable names for scripts), elapsed time in seconds.</summary>
    public static string ToJson(FaceEvaluationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var document = new Dictionary<string, object?>
        {
            ["variant"] = result.Variant,
            ["data_set"] = result.DataSet,
            ["pairs"] = result.Pairs,
            ["same_pairs"] = result.SamePairs,
            ["different_pairs"] = result.DifferentPairs,
            ["images"] = result.Images,
            ["auc"] = result.Auc,
            ["tar_at_far_1e-2"] = result.TarAtFar1e2,
            ["tar_at_far_1e-3"] = result.TarAtFar1e3,
            ["threshold"] = result.Threshold,
            ["accuracy"] = result.Accuracy,
            ["calibrated_threshold"] = result.CalibratedThreshold,
            ["calibrated_accuracy"] = result.CalibratedAccuracy,
            ["mean_cosine_same"] = result.MeanCosineSame,
            ["mean_cosine_different"] = result.MeanCosineDifferent,
            ["images_without_face"] = result.ImagesWithoutFace,
            ["elapsed_seconds"] = Math.Round(result.Elapsed.TotalSeconds, 3),
        };
        return JsonSerializer.Serialize(document, JsonOptions);
    }

    /// <summary>A short human-readable table.</summary>
    public static string ToText(FaceEvaluationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = new StringBuilder();
        CultureInfo c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"face verification: variant {result.Variant}, data set {result.DataSet}");
        text.AppendLine(c, $"  pairs             {result.Pairs} ({result.SamePairs} same, {result.DifferentPairs} different), {result.Images} images");
        text.AppendLine(c, $"  ROC AUC           {result.Auc:F5}");
        text.AppendLine(c, $"  TAR @ FAR 1e-2    {result.TarAtFar1e2:F4}");
        text.AppendLine(c, $"  TAR @ FAR 1e-3    {result.TarAtFar1e3:F4}");
        text.AppendLine(c, $"  accuracy          {result.Accuracy:P2} at threshold {result.Threshold:F3} (variant's)");
        text.AppendLine(c, $"  best accuracy     {result.CalibratedAccuracy:P2} at threshold {result.CalibratedThreshold:F3} (calibrated here)");
        text.AppendLine(c, $"  mean cosine       same {result.MeanCosineSame:F3}, different {result.MeanCosineDifferent:F3}");
        if (result.ImagesWithoutFace.Count > 0)
        {
            text.AppendLine(c, $"  no face found in  {string.Join(", ", result.ImagesWithoutFace)}");
        }

        text.AppendLine(c, $"  elapsed           {result.Elapsed.TotalSeconds:F1} s");
        return text.ToString();
    }
}

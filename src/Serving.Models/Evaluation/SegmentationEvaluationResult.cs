using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Serving.Models.Evaluation;

/// <summary>IoU of one image of a segmentation dev set.</summary>
public sealed record ImageIoU(string Image, double IoU);

/// <summary>
/// The outcome of <see cref="SegmentationEvaluation"/>: mean IoU over the images (each image
/// weighs the same, as in the references of the dev sets' README), and the per-image numbers.
/// </summary>
public sealed record SegmentationEvaluationResult(string Model, string DataSet, float Threshold, double MeanIoU, IReadOnlyList<ImageIoU> Images)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>A human summary: the mean, then the worst images first (where a model fails is what a reader wants).</summary>
    public string ToText(int worst = 5)
    {
        var c = CultureInfo.InvariantCulture;
        var lines = new List<string>
        {
            string.Create(c, $"segmentation eval: model {Model}, data set {DataSet}, {Images.Count} images, threshold {Threshold:0.##}"),
            string.Create(c, $"mean IoU: {MeanIoU:0.0000}"),
        };
        foreach (var image in Images.OrderBy(i => i.IoU).Take(worst))
        {
            lines.Add(string.Create(c, $"  worst: {image.Image} IoU {image.IoU:0.0000}"));
        }

        return string.Join(Environment.NewLine, lines);
    }
}

using Serving.Models.Evaluation;
using Serving.Models.Imaging;

namespace Serving.Models.Tests.Evaluation;

/// <summary>Scoring rules of the segmentation eval: mask formats, the VOC void colour, pairing of files.</summary>
public sealed class SegmentationEvaluationTests
{
    [Fact]
    public void IoU_VocTarget_ObjectsAreForegroundAndVoidIsIgnored()
    {
        // 4 pixels: background, person colour, void border, aeroplane colour.
        byte[] target = [0, 0, 0, 192, 128, 128, 224, 224, 192, 128, 0, 0];
        var mask = GroundTruthMask.Decode(ImageCodec.EncodePng(target, 4, 1, 3));

        // Predicting foreground on the void pixel costs nothing; missing the aeroplane halves the IoU.
        Assert.Equal(1.0, mask.IoU([0, 255, 255, 255]));
        Assert.Equal(0.5, mask.IoU([0, 255, 0, 0]));
        Assert.Equal(1.0 / 3.0, mask.IoU([255, 255, 0, 0]), 6);
    }

    [Fact]
    public void IoU_BinaryGreyMask_ThresholdsAtHalf()
    {
        var mask = GroundTruthMask.Decode(ImageCodec.EncodePng([0, 255, 255, 127], 2, 2, 1));

        Assert.Equal(1.0 / 3.0, mask.IoU([255, 255, 0, 0]), 6);
        Assert.Equal(1.0, GroundTruthMask.Decode(ImageCodec.EncodePng([0, 0], 2, 1, 1)).IoU([0, 0]));
    }

    [Fact]
    public void Pair_VocObjectsFolder_PairsImagesWithTargets()
    {
        var objects = TestAssets.DevData("segmentation/objects");

        var pairs = SegmentationEvaluation.Pair(objects, objects);

        Assert.Equal(7, pairs.Count);
        Assert.All(pairs, p => Assert.Equal(Path.GetFileName(p.Image).Replace("_image", "_target", StringComparison.Ordinal), Path.GetFileName(p.Mask)));
    }

    [Fact]
    public void Pair_PersonFolders_PairsByName()
    {
        var person = TestAssets.DevData("segmentation/person");

        var pairs = SegmentationEvaluation.Pair(Path.Combine(person, "images"), Path.Combine(person, "masks"));

        Assert.Equal(40, pairs.Count);
        Assert.All(pairs, p => Assert.Equal(Path.GetFileNameWithoutExtension(p.Image), Path.GetFileNameWithoutExtension(p.Mask)));
    }

    [Fact]
    public void Pair_ImageWithoutMask_FailsNamingIt()
    {
        var root = Directory.CreateTempSubdirectory("seg-eval-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "images"));
            Directory.CreateDirectory(Path.Combine(root, "masks"));
            File.WriteAllBytes(Path.Combine(root, "images", "a.jpg"), [1]);

            var error = Assert.Throws<FileNotFoundException>(() => SegmentationEvaluation.Pair(Path.Combine(root, "images"), Path.Combine(root, "masks")));

            Assert.Contains("a.jpg", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Result_Formats_TextWithWorstFirstAndSnakeCaseJson()
    {
        var result = new SegmentationEvaluationResult("selfie", "person", 0.5f, 0.75, [new ImageIoU("a.jpg", 0.9), new ImageIoU("b.jpg", 0.6)]);

        var text = result.ToText();
        var json = System.Text.Json.JsonDocument.Parse(result.ToJson()).RootElement;

        Assert.Contains("mean IoU: 0.7500", text, StringComparison.Ordinal);
        Assert.True(text.IndexOf("b.jpg", StringComparison.Ordinal) < text.IndexOf("a.jpg", StringComparison.Ordinal));
        Assert.Equal(0.75, json.GetProperty("mean_io_u").GetDouble());
        Assert.Equal("person", json.GetProperty("data_set").GetString());
        Assert.Equal(2, json.GetProperty("images").GetArrayLength());
    }
}

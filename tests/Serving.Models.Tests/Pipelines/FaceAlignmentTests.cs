using System.Numerics;
using Serving.Models.Imaging;
using Serving.Models.Pipelines.Face;

namespace Serving.Models.Tests.Pipelines;

public sealed class FaceAlignmentTests(FaceModelsFixture models) : IClassFixture<FaceModelsFixture>
{
    [Fact]
    public void Estimate_KnownSimilarity_IsRecoveredExactly()
    {
        // Rotate 30 degrees, scale 0.4, shift: the fit must give back exactly that map.
        var truth = new SimilarityTransform(0.4f * MathF.Cos(0.5236f), 0.4f * MathF.Sin(0.5236f), 12f, -7f);
        Vector2[] source = [new(100, 200), new(300, 210), new(200, 300), new(120, 400), new(280, 390)];

        SimilarityTransform fit = SimilarityTransform.Estimate(source, source.Select(truth.Apply).ToArray());

        Assert.Equal(truth.A, fit.A, 4);
        Assert.Equal(truth.B, fit.B, 4);
        Assert.Equal(truth.Tx, fit.Tx, 2);
        Assert.Equal(truth.Ty, fit.Ty, 2);
        Vector2 p = new(33, 44);
        Assert.True(Vector2.Distance(p, fit.Inverse().Apply(fit.Apply(p))) < 1e-3);
    }

    [Fact]
    public void Estimate_MirroredPoints_DoesNotReflect()
    {
        // The template mirrored left-right, labels kept: a reflection would match it exactly, a proper
        // similarity cannot, so the best fit leaves errors of many pixels.
        IReadOnlyList<Vector2> template = SimilarityTransform.ArcFaceTemplate;
        Vector2[] mirrored = template.Select(p => new Vector2(112 - p.X, p.Y)).ToArray();

        SimilarityTransform mirrorFit = SimilarityTransform.Estimate(mirrored, template);

        Assert.True(MeanError(mirrorFit, mirrored) > 5, $"mean error {MeanError(mirrorFit, mirrored):F2}");
        Assert.Equal(0, MeanError(SimilarityTransform.Estimate(template, template), template), 3);
    }

    [Theory]
    [InlineData("img1.jpg")]
    [InlineData("img5.jpg")]
    [InlineData("img47.jpg")]
    [InlineData("biden__biden.jpg")]
    [InlineData("couple.jpg")]
    public async Task Align_DevFace_PutsLandmarksNearTheTemplate(string name)
    {
        using RgbImage image = FaceModelsFixture.Load(name);
        FaceEmbedding embedding = await models.Pipeline.EmbedAsync(image, name);

        SimilarityTransform toTemplate = SimilarityTransform.Estimate(embedding.Face.Landmarks, SimilarityTransform.ArcFaceTemplate);

        // Pixels of the 112x112 crop: a frontal face's five points fit the template within a few pixels.
        Assert.InRange(MeanError(toTemplate, embedding.Face.Landmarks), 0, 3.5);
    }

    [Fact]
    public async Task AlignedInput_SamplesTheFaceNotTheBorder()
    {
        using RgbImage image = FaceModelsFixture.Load("img1.jpg");
        DetectedFace face = (await models.Pipeline.DetectAsync(image))[0];

        float[] input = FacePipeline.AlignedInput(image, face);

        // Outside-the-image samples read black = (0 - 127) / 128; a face crop has almost none.
        int black = input.Count(v => v <= -0.99f);
        Assert.True(black < input.Length / 50, $"{black} of {input.Length} values are border");
    }

    private static double MeanError(SimilarityTransform transform, IReadOnlyList<Vector2> points) =>
        points.Select((p, i) => Vector2.Distance(transform.Apply(p), SimilarityTransform.ArcFaceTemplate[i])).Average();
}

using Serving.Models.Imaging;
using Serving.Models.Pipelines.Face;

namespace Serving.Models.Tests.Pipelines;

public sealed class FaceDetectionTests(FaceModelsFixture models) : IClassFixture<FaceModelsFixture>
{
    [Theory]
    [InlineData("img1.jpg")]
    [InlineData("obama__obama.jpg")]
    [InlineData("img47.jpg")]
    public async Task Detect_SingleFacePortrait_FindsExactlyOne(string name)
    {
        using RgbImage image = FaceModelsFixture.Load(name);

        IReadOnlyList<DetectedFace> faces = await models.Pipeline.DetectAsync(image);

        DetectedFace face = Assert.Single(faces);
        Assert.True(face.Box.Width > image.Width / 10f, $"{name}: face box {face.Box} implausibly small");
        Assert.All(face.Landmarks, p => Assert.True(p.X > face.Box.X1 && p.X < face.Box.X2 && p.Y > face.Box.Y1 && p.Y < face.Box.Y2));
    }

    [Fact]
    public async Task Detect_Couple_FindsBothFacesSideBySide()
    {
        // couple.jpg: a man and a woman, one face in each half of the picture.
        using RgbImage image = FaceModelsFixture.Load("couple.jpg");

        IReadOnlyList<DetectedFace> faces = await models.Pipeline.DetectAsync(image);

        Assert.Equal(2, faces.Count);
        float[] centres = faces.Select(f => (f.Box.X1 + f.Box.X2) / 2).Order().ToArray();
        Assert.True(centres[0] < image.Width / 2f && centres[1] > image.Width / 2f);
        Assert.Equal(0, faces[0].Box.IoU(faces[1].Box));
    }

    [Fact]
    public async Task Detect_GroupSelfie_FindsSeveralSeparateFaces()
    {
        using RgbImage image = FaceModelsFixture.Load("selfie-many-people.jpg");

        IReadOnlyList<DetectedFace> faces = await models.Pipeline.DetectAsync(image);

        Assert.True(faces.Count >= 4, $"{faces.Count} faces");
        Assert.All(faces, a => Assert.All(faces, b => Assert.True(a == b || a.Box.IoU(b.Box) <= FaceOptions.Default.NmsIou)));
    }

    [Fact]
    public async Task Detect_BlankImage_FindsNone()
    {
        using RgbImage image = RgbImage.Create(320, 240);

        Assert.Empty(await models.Pipeline.DetectAsync(image));
    }

    [Fact]
    public async Task Embed_ImageWithBackgroundFalsePositive_UsesTheCentredSubject()
    {
        // img41: the subject is centred; the detector also fires (0.988) on larger bokeh at the right edge.
        using RgbImage image = FaceModelsFixture.Load("img41.jpg");
        IReadOnlyList<DetectedFace> faces = await models.Pipeline.DetectAsync(image);

        FaceEmbedding embedding = await models.Pipeline.EmbedAsync(image, "img41");

        Assert.True(faces.Count >= 2);
        float centre = (embedding.Face.Box.X1 + embedding.Face.Box.X2) / 2;
        Assert.InRange(centre, image.Width * 0.3f, image.Width * 0.6f);
    }

    [Fact]
    public void Decode_ScalesCornersToPixelsAndSuppressesOverlaps()
    {
        float[] scores = [0.9f, 0.1f, 0.2f, 0.8f, 0.1f, 0.9f, 0.05f, 0.95f];
        float[] boxes =
        [
            0.0f, 0.0f, 0.5f, 0.5f,  // background: dropped
            0.1f, 0.1f, 0.5f, 0.5f,  // face 0.8
            0.1f, 0.1f, 0.52f, 0.5f, // face 0.9, overlaps the previous: keeps this one
            0.6f, 0.6f, 0.9f, 1.2f,  // face 0.95, separate, clamped to the image
        ];

        IReadOnlyList<FaceBox> kept = FaceDetector.Decode(scores, boxes, 200, 100, FaceOptions.Default);

        Assert.Equal(2, kept.Count);
        Assert.Equal(0.95f, kept[0].Score);
        Assert.Equal([120f, 60f, 180f, 100f], new[] { kept[0].X1, kept[0].Y1, kept[0].X2, kept[0].Y2 }, (x, y) => Math.Abs(x - y) < 1e-3f);
        Assert.Equal(0.9f, kept[1].Score);
        Assert.Equal(104f, kept[1].X2, 3);
    }

    [Fact]
    public async Task Embed_NoFace_NamesTheImage()
    {
        using RgbImage blank = RgbImage.Create(320, 240);
        using RgbImage face = FaceModelsFixture.Load("img1.jpg");

        var embedError = await Assert.ThrowsAsync<NoFaceException>(() => models.Pipeline.EmbedAsync(blank, "upload.png"));
        var verifyError = await Assert.ThrowsAsync<NoFaceException>(() => models.Pipeline.VerifyAsync(face, blank));

        Assert.Equal("No face was found in upload.png.", embedError.Message);
        Assert.Equal("image_b", verifyError.Image);
    }

    [Fact]
    public async Task Embed_CancelledToken_StopsWithCancellation()
    {
        using RgbImage image = FaceModelsFixture.Load("img1.jpg");
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => models.Pipeline.EmbedAsync(image, "img1", cancelled.Token));
    }

    [Fact]
    public async Task Run_UnknownModel_SaysWhichModelsAreLoaded()
    {
        var error = await Assert.ThrowsAsync<KeyNotFoundException>(() => models.Runner.RunAsync("nope", [], CancellationToken.None));

        Assert.Contains("fr_detect", error.Message);
    }
}

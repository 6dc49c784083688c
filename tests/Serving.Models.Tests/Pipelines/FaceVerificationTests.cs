using Serving.Models.Imaging;
using Serving.Models.Pipelines.Face;

namespace Serving.Models.Tests.Pipelines;

public sealed class FaceVerificationTests(FaceModelsFixture models) : IClassFixture<FaceModelsFixture>
{
    // Triples labelled in pairs.csv: (anchor, same) = 1 and (anchor, other) = 0.
    [Theory]
    [InlineData("img1.jpg", "img2.jpg", "img23.jpg")]
    [InlineData("img17.jpg", "img16.jpg", "img48.jpg")]
    [InlineData("obama__obama.jpg", "obama__obama2.jpg", "biden__biden.jpg")]
    [InlineData("biden__biden.jpg", "biden__biden2.jpg", "obama__obama1.jpg")]
    public async Task Verify_SamePersonScoresAboveDifferentPerson(string anchor, string samePerson, string otherPerson)
    {
        using RgbImage a = FaceModelsFixture.Load(anchor);
        using RgbImage same = FaceModelsFixture.Load(samePerson);
        using RgbImage other = FaceModelsFixture.Load(otherPerson);

        FaceVerification positive = await models.Pipeline.VerifyAsync(a, same);
        FaceVerification negative = await models.Pipeline.VerifyAsync(a, other);

        Assert.True(positive.Cosine > negative.Cosine + 0.3, $"same {positive.Cosine:F3} vs different {negative.Cosine:F3}");
        Assert.True(positive.SamePerson);
        Assert.False(negative.SamePerson);
        Assert.Equal(FaceVariant.FacePlugin.VerifyThreshold, positive.Threshold);
    }

    [Fact]
    public async Task Embed_GivesUnitLength512Vector()
    {
        using RgbImage image = FaceModelsFixture.Load("img2.jpg");

        FaceEmbedding embedding = await models.Pipeline.EmbedAsync(image, "img2");

        Assert.Equal(512, embedding.Vector.Length);
        Assert.Equal(1.0, Math.Sqrt(embedding.Vector.Sum(v => (double)v * v)), 5);
    }

    [Fact]
    public async Task Embed_SameImageTwiceAndOnAnotherRunner_IsBitwiseIdentical()
    {
        byte[] bytes = DevData.FaceImage("img3.jpg");
        using var otherRunner = FaceModelsFixture.LoadRunner();
        var otherPipeline = new FacePipeline(otherRunner, FaceVariant.FacePlugin);

        float[] first, second, third;
        using (RgbImage image = ImageCodec.Decode(bytes))
        {
            first = (await models.Pipeline.EmbedAsync(image, "img3")).Vector;
            second = (await models.Pipeline.EmbedAsync(image, "img3")).Vector;
        }

        using (RgbImage image = ImageCodec.Decode(bytes))
        {
            third = (await otherPipeline.EmbedAsync(image, "img3")).Vector;
        }

        Assert.Equal(first, second);
        Assert.Equal(first, third);
    }

    [Fact]
    public void Cosine_OfDifferentLengths_Throws()
    {
        Assert.Throws<ArgumentException>(() => FacePipeline.Cosine([1f, 0f], [1f]));
        Assert.Equal(-1.0, FacePipeline.Cosine([1f, 0f], [-2f, 0f]), 6);
    }
}

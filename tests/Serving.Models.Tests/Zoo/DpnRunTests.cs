using Serving.Models.Inspection;
using Serving.Models.Onnx;
using Serving.Models.Zoo;

namespace Serving.Models.Tests.Zoo;

/// <summary>The served DPN models run in ONNX Runtime, batch, and are reproducible from their seed.</summary>
public sealed class DpnRunTests
{
    [Theory]
    [InlineData("dpn68_face")]
    [InlineData("dpn92_face")]
    [InlineData("dpn131_face")]
    public void Run_FaceEmbedder_Gives512DimensionalPerSampleEmbeddings(string name)
    {
        var model = ModelZoo.Build(name, seed: 3);
        Assert.Equal(new long[] { 1, 512 }, ModelInspector.Inspect(model).OutputShapes["embedding"]);

        var embeddings = ZooRunner.AssertBatchesLikeSingles(model, 112, seed: 4);

        Assert.Equal(2 * 512, embeddings.Length);
        var norm0 = Math.Sqrt(embeddings[..512].Sum(v => (double)v * v));
        var norm1 = Math.Sqrt(embeddings[512..].Sum(v => (double)v * v));
        Assert.True(norm0 > 1e-3 && norm1 > 1e-3, "embeddings must be L2-normalisable");
        var cosine = embeddings[..512].Zip(embeddings[512..], (a, b) => (double)a * b).Sum() / (norm0 * norm1);
        Assert.True(cosine < 0.9999, "different images must give different embeddings");
    }

    [Fact]
    public void Run_Dpn68Segmentation_GivesProbabilityMaskAtInputResolution()
    {
        const int size = DpnModels.SegmentationSize;
        var model = ModelZoo.Build("dpn68_seg", seed: 3);

        var masks = ZooRunner.AssertBatchesLikeSingles(model, size, seed: 5);

        Assert.Equal(2 * size * size, masks.Length);
        Assert.All(masks, p => Assert.InRange(p, 0f, 1f));
        Assert.True(masks.Distinct().Count() > 100, "the mask must vary over the image");
    }

    [Fact]
    public void Build_SameSeed_SameBytes_OtherSeed_OtherBytes()
    {
        var first = ModelZoo.Build("dpn68_face", 11).ToBytes();
        var again = ModelZoo.Build("dpn68_face", 11).ToBytes();
        var other = ModelZoo.Build("dpn68_face", 12).ToBytes();

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Build_UnknownName_ListsKnownNames()
    {
        var error = Assert.Throws<ArgumentException>(() => ModelZoo.Build("dpn999", 1));

        Assert.Contains("dpn92_face", error.Message, StringComparison.Ordinal);
    }
}

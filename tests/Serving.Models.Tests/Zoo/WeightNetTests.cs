using Serving.Models.Inspection;
using Serving.Models.Zoo;

namespace Serving.Models.Tests.Zoo;

/// <summary>The WeightNet network matches the paper's cost and batches samples with different generated kernels.</summary>
public sealed class WeightNetTests
{
    /// <remarks>
    /// Counted: every convolution (the generated ones through their batched MatMuls), the
    /// context reductions and both weight-generating FCs, and the classifier, as the paper does.
    /// </remarks>
    [Fact]
    public void Build_ImageNetConfiguration_MatchesPaperMultiplyAdds()
    {
        var report = ModelInspector.Inspect(ModelZoo.Build("weightnet_cls224", seed: 1));

        Assert.InRange(report.MultiplyAdds, 138e6 * 0.95, 138e6 * 1.05);
        Assert.Equal(new long[] { 1, 1000 }, report.OutputShapes["logits"]);
    }

    [Fact]
    public void Run_FaceEmbedder_BatchesPerSampleKernels()
    {
        var model = ModelZoo.Build("weightnet_face", seed: 3);

        var embeddings = ZooRunner.AssertBatchesLikeSingles(model, 112, seed: 6);

        Assert.Equal(2 * 512, embeddings.Length);
        Assert.NotEqual(embeddings[..512], embeddings[512..]);
    }
}

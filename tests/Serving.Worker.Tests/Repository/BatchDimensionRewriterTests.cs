using Serving.OnnxRuntime;
using Serving.Worker.Inference;
using Serving.Worker.Repository.Tools;
using Serving.Worker.Tests.Infrastructure;

namespace Serving.Worker.Tests.Repository;

/// <summary>The repository tool that makes the real face embedding model batchable.</summary>
public sealed class BatchDimensionRewriterTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "serving-rewriter-" + Guid.NewGuid().ToString("N"));

    public BatchDimensionRewriterTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Rewrite_RealFaceEmbedding_BecomesBatchableAndAutoCompletesWithMaxBatchSize()
    {
        var target = Path.Combine(_directory, "model.onnx");

        var difference = BatchDimensionRewriter.Rewrite(TestRepository.RealFeatureModel, target, verifyBatchSize: 3);

        Assert.True(difference <= 1e-4);
        using var session = InferenceSession.Create(target);
        Assert.Equal(-1, session.Inputs[0].Shape[0]);
        Assert.Equal(-1, session.Outputs[0].Shape[0]);
        var config = ModelAutoConfig.Complete("fr_feature_batched", session);
        Assert.Equal(ModelAutoConfig.DefaultMaxBatchSize, config.MaxBatchSize);
        Assert.Equal([3L, 112, 112], config.Inputs[0].Dims);
        Assert.Equal([512L], config.Outputs[0].Dims);

        using var original = InferenceSession.Create(TestRepository.RealFeatureModel);
        Assert.Equal(0, ModelAutoConfig.Complete("fr_feature", original).MaxBatchSize);
    }
}

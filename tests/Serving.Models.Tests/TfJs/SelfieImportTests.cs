using Serving.Models.Evaluation;
using Serving.Models.Onnx;
using Serving.Models.Pipelines.Segmentation;
using Serving.Models.TfJs;
using Serving.OnnxRuntime;
using Xunit.Abstractions;

namespace Serving.Models.Tests.TfJs;

/// <summary>The real MediaPipe selfie segmentation model, imported from TF.js and run in ONNX Runtime.</summary>
public sealed class SelfieImportTests
{
    private readonly ITestOutputHelper _output;

    public SelfieImportTests(ITestOutputHelper output) => _output = output;

    private static byte[] ImportSelfie() => TfJsImporter.ImportFile(TestAssets.SelfieModelJson).ToBytes();

    [Fact]
    public void Import_Selfie_LoadsWithOriginalNhwcSignatureAndSymbolicBatch()
    {
        using var session = InferenceSession.Create(ImportSelfie(), new SessionOptions { IntraOpThreads = 1 });

        var input = Assert.Single(session.Inputs);
        var output = Assert.Single(session.Outputs);
        Assert.Equal("input_1", input.Name);
        Assert.Equal(new long[] { -1, 256, 256, 3 }, input.Shape);
        Assert.Equal("batch", input.SymbolicDimensions[0]);
        Assert.Equal("activation_10", output.Name);
        Assert.Equal(new long[] { -1, 256, 256, 1 }, output.Shape);
    }

    [Fact]
    public void Import_Selfie_IsDeterministic()
    {
        Assert.Equal(ImportSelfie(), ImportSelfie());
    }

    [Fact]
    public void Run_SelfieBatchOfTwo_EachImageMatchesItsBatchOfOne()
    {
        using var session = InferenceSession.Create(ImportSelfie(), new SessionOptions { IntraOpThreads = 1 });
        const int size = 256 * 256 * 3;
        var random = new Random(7);
        var batch = Enumerable.Range(0, 2 * size).Select(_ => (float)random.NextDouble()).ToArray();

        using var both = session.Run([NamedTensor.Create<float>("input_1", [2, 256, 256, 3], batch)]);
        using var second = session.Run([NamedTensor.Create<float>("input_1", [1, 256, 256, 3], batch.AsMemory(size))]);

        var fromBatch = both[0].GetSpan<float>()[(256 * 256)..].ToArray();
        var alone = second[0].GetSpan<float>().ToArray();
        Assert.Equal(alone.Length, fromBatch.Length);
        Assert.All(alone.Zip(fromBatch), p => Assert.Equal(p.First, p.Second, 1e-5f));
        Assert.All(alone, p => Assert.InRange(p, 0f, 1f));
    }

    [Fact]
    public async Task Evaluate_SelfieOnPersonDevSet_ReachesReferenceMeanIoU()
    {
        var data = TestAssets.DevData("segmentation/person");
        using var model = new OnnxSegmentationModel(
            InferenceSession.Create(ImportSelfie(), new SessionOptions { IntraOpThreads = 1 }), SegmentationModelSpec.Selfie);

        var result = await SegmentationEvaluation.EvaluateAsync(
            new SegmentationPipeline(model), "selfie", Path.Combine(data, "images"), Path.Combine(data, "masks"), CancellationToken.None);

        _output.WriteLine(result.ToText());
        Assert.Equal(40, result.Images.Count);
        Assert.Equal("person", result.DataSet);
        Assert.True(result.MeanIoU >= 0.85, result.ToText());
    }
}

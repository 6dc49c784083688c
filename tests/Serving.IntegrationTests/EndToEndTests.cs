using Google.Protobuf;
using Serving.Grpc;
using Serving.IntegrationTests.Infrastructure;
using Serving.Models.Evaluation;
using Serving.Models.Imaging;
using Serving.Models.Pipelines;
using Serving.Models.Pipelines.Face;
using Serving.Models.Pipelines.Segmentation;
using Serving.OnnxRuntime;
using Serving.Protocol;
using Serving.Protocol.Inference;
using Serving.Protocol.V1;

namespace Serving.IntegrationTests;

/// <summary>The task API through a real router and two real workers gives the answers the same pipelines give in-process.</summary>
[Collection(ClusterCollection.Name)]
public sealed class EndToEndTests(ClusterFixture fixture)
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    private Cluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Verify_EveryDevPair_SameDecisionsAsLocalEvaluation()
    {
        var pairs = FacePair.ReadCsv(DevData.FacePairs);
        var local = await LocalEmbeddingsAsync(pairs.SelectMany(p => new[] { p.ImageA, p.ImageB }).Distinct().ToArray());
        using var channel = Cluster.CreateChannel();

        var answers = new VerifyResponse[pairs.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, pairs.Count), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, token) =>
        {
            var request = new VerifyRequest
            {
                ImageA = ByteString.CopyFrom(File.ReadAllBytes(Path.Combine(DevData.FaceImages, pairs[i].ImageA))),
                ImageB = ByteString.CopyFrom(File.ReadAllBytes(Path.Combine(DevData.FaceImages, pairs[i].ImageB))),
                Options = new RequestOptions { SloClass = "batch" },
            };
            answers[i] = await channel.CallInvoker.UnaryAsync(FaceMethods.Verify, request, CallOptions.WithTimeout(CallTimeout)).ResponseAsync;
        });

        var threshold = FaceVariant.FacePlugin.VerifyThreshold;
        var mismatches = new List<string>();
        for (var i = 0; i < pairs.Count; i++)
        {
            var expected = FacePipeline.Cosine(local[pairs[i].ImageA], local[pairs[i].ImageB]);
            var answer = answers[i];
            if (answer.Same != expected >= threshold || Math.Abs(answer.Score - expected) > 2e-3)
            {
                mismatches.Add($"{pairs[i].ImageA}/{pairs[i].ImageB}: router {answer.Same} {answer.Score:0.0000} ({answer.ServedBy.Variant}), local {expected:0.0000}");
            }
        }

        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
        Assert.All(answers, a =>
        {
            Assert.Equal((float)threshold, a.Threshold);
            Assert.StartsWith("fr_feature", a.ServedBy.Variant, StringComparison.Ordinal);
            Assert.Contains(a.ServedBy.Worker, Cluster.Workers.Select(w => w.Address));
            Assert.True(a.ServedBy.TotalMs > 0 && a.ServedBy.ComputeMs > 0, a.ServedBy.ToString());
        });
    }

    [Fact]
    public async Task Segment_PersonImages_MasksMatchLocalPipeline()
    {
        var modelPath = Path.Combine(Serving.Worker.Repository.Tools.DefaultRepository.DefaultPath, "selfie", "1", "model.onnx");
        using var session = InferenceSession.Create(modelPath);
        var local = new SegmentationPipeline(new OnnxSegmentationModel(session, SegmentationModelSpec.Selfie));
        using var channel = Cluster.CreateChannel();

        foreach (var file in Directory.GetFiles(DevData.PersonImages, "*.jpg").Order(StringComparer.Ordinal).Take(5))
        {
            var bytes = File.ReadAllBytes(file);
            var expected = await local.SegmentAsync(bytes, CancellationToken.None);
            var answer = await channel.CallInvoker.UnaryAsync(SegmentationMethods.Segment, new SegmentRequest { Image = ByteString.CopyFrom(bytes) }, CallOptions.WithTimeout(CallTimeout)).ResponseAsync;

            Assert.Equal((expected.Width, expected.Height), (answer.Width, answer.Height));
            using var mask = ImageCodec.Decode(answer.MaskPng.Span);
            var pixels = mask.Pixels;
            var agree = 0;
            for (var i = 0; i < expected.Mask.Length; i++)
            {
                agree += (pixels[i * 3] >= 128) == (expected.Mask[i] >= 128) ? 1 : 0;
            }

            Assert.True(agree >= expected.Mask.Length * 0.999, $"{Path.GetFileName(file)}: {agree} of {expected.Mask.Length} pixels agree");
            Assert.Equal(expected.ForegroundFraction, answer.ForegroundFraction, 3);
            Assert.Equal("selfie", answer.ServedBy.Variant);
        }
    }

    [Fact]
    public async Task Detect_Couple_FindsBothFacesWithFiveLandmarks()
    {
        using var channel = Cluster.CreateChannel();
        var answer = await channel.CallInvoker.UnaryAsync(
            FaceMethods.Detect,
            new DetectRequest { Image = ByteString.CopyFrom(File.ReadAllBytes(Path.Combine(DevData.FaceImages, "couple.jpg"))) },
            CallOptions.WithTimeout(CallTimeout)).ResponseAsync;

        Assert.Equal(2, answer.Faces.Count);
        Assert.All(answer.Faces, f => Assert.Equal(5, f.Landmarks.Count));
        Assert.True(answer.Faces[0].Score >= answer.Faces[1].Score);
        Assert.Equal("fr_detect", answer.ServedBy.Variant);
    }

    [Fact]
    public async Task Status_ReadyCluster_ListsTasksWorkersAndLoad()
    {
        using var channel = Cluster.CreateChannel();
        var status = await channel.CallInvoker.UnaryAsync(ClusterMethods.GetStatus, new GetStatusRequest(), CallOptions.WithTimeout(CallTimeout)).ResponseAsync;

        Assert.True(status.Ready);
        Assert.Equal("slo-aware", status.Selector);
        Assert.Contains(status.Tasks, t => t.Task == "face-embedding" && t.Ready && t.Variants.Any(v => v.ReadyWorkers.Count == 2));
        Assert.Equal(Cluster.Workers.Select(w => w.Address).Order(), status.Workers.Select(w => w.Address).Order());
        Assert.All(status.Workers, w =>
        {
            Assert.True(w.Connected);
            Assert.Equal("closed", w.Breaker);
            // Warm-up gave every model a measured service time before any request.
            Assert.All(w.Models, m => Assert.True(m.Ready && m.P99Ms > 0, $"{w.Address} {m}"));
        });
    }

    [Fact]
    public async Task ModelInfer_TaskAlias_ResolvedToAVariantAndAnswered()
    {
        using var channel = Cluster.CreateChannel();
        var request = new ModelInferRequest { ModelName = "face-embedding" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32", Shape = { 1, 3, 112, 112 } });
        request.RawInputContents.Add(ByteString.CopyFrom(new byte[4 * 3 * 112 * 112]));

        var answer = await channel.CallInvoker.UnaryAsync(InferenceMethods.ModelInfer, request, CallOptions.WithTimeout(CallTimeout)).ResponseAsync;

        Assert.StartsWith("fr_feature", answer.ModelName, StringComparison.Ordinal);
        Assert.Equal([1L, 512L], answer.Outputs[0].Shape);
        Assert.Equal(512 * 4, answer.RawOutputContents[0].Length);
        Assert.Contains(answer.Parameters["worker"].StringParam, Cluster.Workers.Select(w => w.Address));
    }

    private static async Task<Dictionary<string, float[]>> LocalEmbeddingsAsync(IReadOnlyList<string> names)
    {
        using var runner = InProcessModelRunner.LoadFromDirectory(DevData.FaceModels, ["fr_detect", "fr_landmark", "fr_feature"]);
        var pipeline = new FacePipeline(runner, FaceVariant.FacePlugin);
        var result = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            using var image = ImageCodec.Decode(File.ReadAllBytes(Path.Combine(DevData.FaceImages, name)));
            result[name] = (await pipeline.EmbedAsync(image, name)).Vector;
        }

        return result;
    }
}

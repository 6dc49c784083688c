using Serving.Grpc;
using Serving.Models.Imaging;
using Serving.Models.Pipelines.Face;
using Serving.Protocol;
using Serving.Protocol.V1;
using Serving.Router.Selection;
using Serving.Router.Tasks;

namespace Serving.Router.Frontend;

/// <summary>
/// <c>serving.v1.FaceService</c>: decode the images, select the variant (Verify and Embed choose a
/// face-embedding variant, Detect a face-detection one), run the face pipeline on workers, answer
/// with who served it.
/// </summary>
/// <remarks>
/// Every face variant shares the detector and landmark models of its pipeline (the catalogue's
/// best ready ones); only the selected model differs. Verify embeds both images concurrently. A
/// variant's decision threshold comes from its catalogue entry (calibrated on a labelled set),
/// else the threshold of the reference face model.
/// </remarks>
internal sealed class FaceFrontend(TaskFrontend frontend, ImageLimits limits)
{
    /// <summary>The gRPC service.</summary>
    public ServiceDefinition CreateDefinition() => ServiceDefinition.CreateBuilder()
        .AddUnary(FaceMethods.Verify, VerifyAsync)
        .AddUnary(FaceMethods.Embed, EmbedAsync)
        .AddUnary(FaceMethods.Detect, DetectAsync)
        .Build();

    private async Task<VerifyResponse> VerifyAsync(VerifyRequest request, ServerCallContext context)
    {
        using var a = ImageInput.Decode(request.ImageA, "image_a", limits);
        using var b = ImageInput.Decode(request.ImageB, "image_b", limits);
        var admission = frontend.Admit(TaskNames.FaceEmbedding, request.Options, context);
        return await frontend.RunAsync(admission, async (admitted, cancellationToken) =>
        {
            var pipeline = Pipeline(admitted, FaceOptions.Default);
            var embedA = EmbedAsync(pipeline, a, "image_a", cancellationToken);
            var embedB = EmbedAsync(pipeline, b, "image_b", cancellationToken);
            await Task.WhenAll(embedA, embedB).ConfigureAwait(false);
            var (faceA, faceB) = (embedA.Result, embedB.Result);
            var cosine = FacePipeline.Cosine(faceA.Vector, faceB.Vector);
            var threshold = pipeline.Variant.VerifyThreshold;
            return new VerifyResponse
            {
                Same = cosine >= threshold,
                Score = (float)cosine,
                Threshold = (float)threshold,
                FaceA = ToProto(faceA.Face),
                FaceB = ToProto(faceB.Face),
                ServedBy = frontend.ServedBy(admitted, frontend.Elapsed(admitted)),
            };
        }, context.CancellationToken).ConfigureAwait(false);
    }

    private async Task<EmbedResponse> EmbedAsync(EmbedRequest request, ServerCallContext context)
    {
        using var image = ImageInput.Decode(request.Image, "image", limits);
        var admission = frontend.Admit(TaskNames.FaceEmbedding, request.Options, context);
        return await frontend.RunAsync(admission, async (admitted, cancellationToken) =>
        {
            var embedding = await EmbedAsync(Pipeline(admitted, FaceOptions.Default), image, "image", cancellationToken).ConfigureAwait(false);
            var response = new EmbedResponse { Face = ToProto(embedding.Face), ServedBy = frontend.ServedBy(admitted, frontend.Elapsed(admitted)) };
            response.Embedding.Add(embedding.Vector);
            return response;
        }, context.CancellationToken).ConfigureAwait(false);
    }

    private async Task<DetectResponse> DetectAsync(DetectRequest request, ServerCallContext context)
    {
        if (float.IsNaN(request.MinScore) || request.MinScore < 0 || request.MinScore > 1)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"min_score must lie in [0, 1] (got {request.MinScore})"));
        }

        using var image = ImageInput.Decode(request.Image, "image", limits);
        var admission = frontend.Admit(TaskNames.FaceDetection, request.Options, context);
        return await frontend.RunAsync(admission, async (admitted, cancellationToken) =>
        {
            var options = request.MinScore > 0 ? FaceOptions.Default with { ScoreThreshold = request.MinScore } : FaceOptions.Default;
            var faces = await Pipeline(admitted, options).DetectAsync(image, cancellationToken).ConfigureAwait(false);
            var response = new DetectResponse();
            response.Faces.AddRange(faces.Select(ToProto));
            response.ServedBy = frontend.ServedBy(admitted, frontend.Elapsed(admitted));
            return response;
        }, context.CancellationToken).ConfigureAwait(false);
    }

    private static async Task<FaceEmbedding> EmbedAsync(FacePipeline pipeline, RgbImage image, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await pipeline.EmbedAsync(image, name, cancellationToken).ConfigureAwait(false);
        }
        catch (NoFaceException ex)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"no_face: no face was found in {ex.Image}"));
        }
    }

    // The selected model takes its role; the pipeline's other models are the catalogue's best of their task.
    private FacePipeline Pipeline(Admission admission, FaceOptions options)
    {
        var catalog = frontend.Catalog;
        var reference = FaceVariant.FacePlugin;
        var detector = admission.Task == TaskNames.FaceDetection ? admission.Variant.Name : Best(catalog, TaskNames.FaceDetection) ?? reference.DetectorModel;
        var landmarks = Best(catalog, TaskNames.FaceLandmarks) ?? reference.LandmarkModel;
        var embedding = admission.Task == TaskNames.FaceEmbedding ? admission.Variant.Name : Best(catalog, TaskNames.FaceEmbedding) ?? reference.EmbeddingModel;
        var threshold = admission.Task == TaskNames.FaceEmbedding ? admission.Variant.Threshold ?? reference.VerifyThreshold : reference.VerifyThreshold;
        return new FacePipeline(admission.Runner, new FaceVariant(admission.Variant.Name, detector, landmarks, embedding, threshold), options);
    }

    private static string? Best(CatalogSnapshot catalog, string task) =>
        catalog.VariantsOf(task).FirstOrDefault(v => !v.Synthetic || catalog.AllowSynthetic)?.Name;

    private static Face ToProto(DetectedFace face)
    {
        var proto = new Face
        {
            Box = new Box { X1 = face.Box.X1, Y1 = face.Box.Y1, X2 = face.Box.X2, Y2 = face.Box.Y2 },
            Score = face.Box.Score,
        };
        proto.Landmarks.AddRange(face.Landmarks.Select(p => new Point { X = p.X, Y = p.Y }));
        return proto;
    }
}

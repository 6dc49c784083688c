using Serving.Grpc;
using Serving.Models.Imaging;
using Serving.Models.Pipelines.Segmentation;
using Serving.Protocol;
using Serving.Protocol.V1;
using Serving.Router.Tasks;

namespace Serving.Router.Frontend;

/// <summary><c>serving.v1.SegmentationService</c>: decode, select a person-segmentation variant, run it on a worker, answer with a PNG mask.</summary>
/// <remarks>Pre- and post-processing (resize, normalise, threshold at 0.5, PNG) run here, on the router's cores.</remarks>
internal sealed class SegmentationFrontend(TaskFrontend frontend, ImageLimits limits)
{
    /// <summary>The gRPC service.</summary>
    public ServiceDefinition CreateDefinition() => ServiceDefinition.CreateBuilder()
        .AddUnary(SegmentationMethods.Segment, SegmentAsync)
        .Build();

    private async Task<SegmentResponse> SegmentAsync(SegmentRequest request, ServerCallContext context)
    {
        using var image = ImageInput.Decode(request.Image, "image", limits);
        var admission = frontend.Admit(TaskNames.PersonSegmentation, request.Options, context);
        return await frontend.RunAsync(admission, async (admitted, cancellationToken) =>
        {
            var (spec, inputName) = RemoteSegmentationModel.SpecFor(admitted.Variant);
            var pipeline = new SegmentationPipeline(new RemoteSegmentationModel(admitted.Runner, admitted.Variant.Name, inputName, spec));
            var result = await pipeline.SegmentRgbAsync(image.Pixels.ToArray(), image.Width, image.Height, cancellationToken).ConfigureAwait(false);
            return new SegmentResponse
            {
                MaskPng = Google.Protobuf.UnsafeByteOperations.UnsafeWrap(result.MaskPng()),
                ForegroundFraction = result.ForegroundFraction,
                Width = result.Width,
                Height = result.Height,
                ServedBy = frontend.ServedBy(admitted, frontend.Elapsed(admitted)),
            };
        }, context.CancellationToken).ConfigureAwait(false);
    }
}

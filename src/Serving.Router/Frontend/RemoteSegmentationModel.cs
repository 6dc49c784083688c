using Serving.Grpc;
using Serving.Models.Pipelines;
using Serving.Models.Pipelines.Segmentation;
using Serving.OnnxRuntime;
using Serving.Router.Selection;

namespace Serving.Router.Frontend;

/// <summary>A segmentation variant run on workers through the request's <see cref="IModelRunner"/>.</summary>
internal sealed class RemoteSegmentationModel(IModelRunner runner, string model, string inputName, SegmentationModelSpec spec) : ISegmentationModel
{
    public SegmentationModelSpec Spec { get; } = spec;

    public async ValueTask<float[]> RunAsync(float[] input, int batch, CancellationToken cancellationToken)
    {
        var shape = Spec.InputShape(batch).Select(d => (long)d).ToArray();
        using var outputs = await runner.RunAsync(model, [NamedTensor.Create<float>(inputName, shape, input)], cancellationToken).ConfigureAwait(false);
        var probabilities = outputs.Outputs[0].GetSpan<float>();
        var expected = batch * Spec.Width * Spec.Height;
        if (probabilities.Length < expected)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"model {model}: answered {probabilities.Length} values for a {batch}x{Spec.Height}x{Spec.Width} mask"));
        }

        return probabilities[..expected].ToArray();
    }

    /// <summary>
    /// How to feed <paramref name="variant"/>: the known real models' own pre-processing, else the
    /// layout its configuration declares (NHWC when the last dimension is 3, else NCHW) with pixels
    /// scaled to [0, 1].
    /// </summary>
    /// <exception cref="RpcException">INTERNAL when the catalogue does not describe the model's input.</exception>
    public static (SegmentationModelSpec Spec, string InputName) SpecFor(VariantInfo variant)
    {
        var input = variant.Input ?? throw new RpcException(new Status(StatusCode.Internal, $"the catalogue does not describe the input of variant '{variant.Name}'"));
        if (string.Equals(variant.Name, SegmentationModelSpec.Selfie.Name, StringComparison.OrdinalIgnoreCase))
        {
            return (SegmentationModelSpec.Selfie, input.Name);
        }

        if (string.Equals(variant.Name, SegmentationModelSpec.IsNet.Name, StringComparison.OrdinalIgnoreCase))
        {
            return (SegmentationModelSpec.IsNet, input.Name);
        }

        var dims = input.Batched || input.Dims.Count < 4 ? input.Dims : input.Dims.Skip(1).ToArray();
        if (dims.Count != 3 || dims.Any(d => d <= 0))
        {
            throw new RpcException(new Status(StatusCode.Internal, $"variant '{variant.Name}': input dims [{string.Join(", ", input.Dims)}] are not an image"));
        }

        var nhwc = dims[2] == 3;
        var (height, width) = nhwc ? ((int)dims[0], (int)dims[1]) : ((int)dims[1], (int)dims[2]);
        return (new SegmentationModelSpec(variant.Name, width, height, nhwc, 1f / 255f, 0f), input.Name);
    }
}

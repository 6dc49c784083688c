namespace Serving.Models.Pipelines.Segmentation;

/// <summary>
/// The model behind a segmentation pipeline: a batch of normalised images in, one probability
/// map per image out (model resolution). In-process it is an ONNX Runtime session; the router
/// plugs a remote (v2 ModelInfer) implementation in behind the same interface.
/// </summary>
public interface ISegmentationModel
{
    SegmentationModelSpec Spec { get; }

    /// <summary>Runs <paramref name="batch"/> images laid out per <see cref="Spec"/>; returns batch x H x W probabilities.</summary>
    ValueTask<float[]> RunAsync(float[] input, int batch, CancellationToken cancellationToken);
}

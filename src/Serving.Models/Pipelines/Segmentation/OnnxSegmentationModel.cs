using Serving.OnnxRuntime;

namespace Serving.Models.Pipelines.Segmentation;

/// <summary>In-process <see cref="ISegmentationModel"/> over an ONNX Runtime session it owns.</summary>
/// <remarks>ONNX Runtime sessions are safe to run concurrently, so one instance serves all callers.</remarks>
public sealed class OnnxSegmentationModel : ISegmentationModel, IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _inputName;

    public OnnxSegmentationModel(InferenceSession session, SegmentationModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(spec);
        _session = session;
        _inputName = session.Inputs[0].Name;
        Spec = spec;
    }

    public SegmentationModelSpec Spec { get; }

    public ValueTask<float[]> RunAsync(float[] input, int batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        cancellationToken.ThrowIfCancellationRequested();
        var shape = Spec.InputShape(batch).Select(d => (long)d).ToArray();
        using var result = _session.Run([NamedTensor.Create<float>(_inputName, shape, input)]);
        return ValueTask.FromResult(result[0].GetSpan<float>()[..(batch * Spec.Width * Spec.Height)].ToArray());
    }

    public void Dispose() => _session.Dispose();
}

using Serving.Models.Onnx.Proto;

namespace Serving.Models.Inspection;

/// <summary>
/// Counts the parameters and multiply-adds of an ONNX model by static shape inference over its
/// graph, for the operator set the project's ONNX writer emits.
/// </summary>
/// <remarks>
/// Conv costs <c>N*Cout*Hout*Wout*(Cin/group)*kh*kw</c> (grouped and depthwise included); MatMul
/// <c>batch*n*k*m</c> with broadcasting; Gemm <c>n*k*m</c>. This is the convention of the DPN
/// (Chen et al. 2017), ShuffleNet/WeightNet (Ma et al. 2018/2020) and dynamic-routing (Li et al.
/// 2020) papers, whose "FLOPs" are multiply-adds of convolutions and fully connected layers.
/// An <c>If</c> node contributes its cheaper branch to <see cref="ModelReport.MultiplyAddsMin"/>
/// and its dearer one to <see cref="ModelReport.MultiplyAddsMax"/>.
/// </remarks>
public static class ModelInspector
{
    /// <summary>
    /// Inspects <paramref name="model"/>. Symbolic input dimensions take their size from
    /// <paramref name="inputShapes"/> (by input name) and default to 1, so costs are per sample.
    /// </summary>
    /// <exception cref="NotSupportedException">The graph uses an operator whose shape the inspector cannot infer.</exception>
    public static ModelReport Inspect(ModelProto model, IReadOnlyDictionary<string, long[]>? inputShapes = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = model.Graph ?? throw new ArgumentException("model has no graph", nameof(model));
        var walker = new GraphWalker();
        var resolved = walker.BindInputs(graph, inputShapes);
        var cost = walker.Walk(graph);
        var outputs = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var output in graph.Output)
        {
            outputs[output.Name] = walker.ShapeOf(output.Name);
        }

        var (parameters, learnable) = ParameterCounter.Count(graph);
        return new ModelReport
        {
            Parameters = parameters,
            LearnableParameters = learnable,
            MultiplyAddsMin = cost.Min,
            MultiplyAddsMax = cost.Max,
            ConditionalNodes = walker.ConditionalNodes,
            PerOpType = walker.PerOpType.ToDictionary(p => p.Key, p => new OpTypeCost(p.Value.Nodes, p.Value.MultiplyAdds), StringComparer.Ordinal),
            InputShapes = resolved,
            OutputShapes = outputs,
        };
    }
}

using Serving.Models.Onnx;
using Serving.Models.Onnx.Proto;

namespace Serving.Models.Zoo;

/// <summary>Helpers for <c>If</c> branch graphs written with their own <see cref="GraphBuilder"/>.</summary>
internal static class Subgraphs
{
    /// <summary>
    /// Prefixes every value the branch defines (initializers, node outputs) so that no name
    /// shadows one of the enclosing graph, which ONNX forbids. A node input names a local value
    /// only once the branch has defined it (graphs are in topological order); earlier it names an
    /// outer value and is left alone.
    /// </summary>
    public static GraphProto Seal(GraphBuilder branch, string prefix)
    {
        var graph = branch.Graph;
        var local = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tensor in graph.Initializer)
        {
            local.Add(tensor.Name);
            tensor.Name = prefix + tensor.Name;
        }

        foreach (var node in graph.Node)
        {
            for (var i = 0; i < node.Input.Count; i++)
            {
                if (local.Contains(node.Input[i]))
                {
                    node.Input[i] = prefix + node.Input[i];
                }
            }

            for (var i = 0; i < node.Output.Count; i++)
            {
                local.Add(node.Output[i]);
                node.Output[i] = prefix + node.Output[i];
            }

            node.Name = prefix + node.Name;
        }

        foreach (var output in graph.Output)
        {
            output.Name = local.Contains(output.Name) ? prefix + output.Name : output.Name;
        }

        return graph;
    }

    /// <summary>Declares a float branch output of unknown shape (branches of one If may differ in shape).</summary>
    public static void Output(GraphBuilder branch, string value) =>
        branch.Graph.Output.Add(new ValueInfoProto
        {
            Name = value,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)OnnxDataType.Float } },
        });

    /// <summary>A branch that outputs zeros of the given (broadcastable) shapes and computes nothing else.</summary>
    public static GraphProto Zeros(string prefix, params long[][] shapes)
    {
        var branch = new GraphBuilder(prefix + "skip");
        foreach (var shape in shapes)
        {
            var zeros = branch.Weights("zeros", shape, new float[Tensors.ElementCount(shape)]);
            Output(branch, branch.Identity(zeros));
        }

        return Seal(branch, prefix);
    }
}

using Serving.Models.Onnx.Proto;

namespace Serving.Models.Inspection;

/// <summary>Counts floating-point initializer elements, in the main graph and in <c>If</c> branches.</summary>
internal static class ParameterCounter
{
    private static readonly HashSet<int> FloatTypes = [1, 10, 11, 16]; // float, float16, double, bfloat16

    public static (long All, long Learnable) Count(GraphProto graph)
    {
        var statistics = new HashSet<string>(StringComparer.Ordinal);
        CollectRunningStatistics(graph, statistics);
        long all = 0, learnable = 0;
        Accumulate(graph, statistics, ref all, ref learnable);
        return (all, learnable);
    }

    private static void Accumulate(GraphProto graph, HashSet<string> statistics, ref long all, ref long learnable)
    {
        foreach (var tensor in graph.Initializer)
        {
            if (!FloatTypes.Contains(tensor.DataType))
            {
                continue;
            }

            long elements = 1;
            foreach (var d in tensor.Dims)
            {
                elements *= d;
            }

            all += elements;
            if (!statistics.Contains(tensor.Name))
            {
                learnable += elements;
            }
        }

        foreach (var node in graph.Node)
        {
            foreach (var attribute in node.Attribute)
            {
                if (attribute.G is not null)
                {
                    Accumulate(attribute.G, statistics, ref all, ref learnable);
                }
            }
        }
    }

    // BatchNormalization inputs 3 and 4 (running mean and variance) are statistics, not learned weights.
    private static void CollectRunningStatistics(GraphProto graph, HashSet<string> statistics)
    {
        foreach (var node in graph.Node)
        {
            if (node.OpType == "BatchNormalization" && node.Input.Count >= 5)
            {
                statistics.Add(node.Input[3]);
                statistics.Add(node.Input[4]);
            }

            foreach (var attribute in node.Attribute)
            {
                if (attribute.G is not null)
                {
                    CollectRunningStatistics(attribute.G, statistics);
                }
            }
        }
    }
}

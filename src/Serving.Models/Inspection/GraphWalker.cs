using System.Runtime.InteropServices;
using Serving.Models.Onnx.Proto;

namespace Serving.Models.Inspection;

/// <summary>
/// Walks a graph in node order, inferring every value's shape and adding up multiply-adds.
/// One walker per inspection; <c>If</c> branches are walked in child scopes that see the outer values.
/// </summary>
internal sealed class GraphWalker
{
    private readonly GraphWalker? _parent;
    private readonly Dictionary<string, long[]> _shapes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long[]> _ints = new(StringComparer.Ordinal);
    private readonly Dictionary<string, float[]> _floats = new(StringComparer.Ordinal);

    public GraphWalker()
    {
    }

    private GraphWalker(GraphWalker parent)
    {
        _parent = parent;
    }

    public Dictionary<string, (int Nodes, long MultiplyAdds)> PerOpType => Root._perOpType;

    public int ConditionalNodes => Root._conditionalNodes;

    private readonly Dictionary<string, (int Nodes, long MultiplyAdds)> _perOpType = new(StringComparer.Ordinal);

    private int _conditionalNodes;

    private GraphWalker Root => _parent?.Root ?? this;

    public Dictionary<string, long[]> BindInputs(GraphProto graph, IReadOnlyDictionary<string, long[]>? given)
    {
        var initializers = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var resolved = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var input in graph.Input)
        {
            if (initializers.Contains(input.Name))
            {
                continue;
            }

            long[] shape;
            if (given is not null && given.TryGetValue(input.Name, out var explicitShape))
            {
                shape = (long[])explicitShape.Clone();
            }
            else
            {
                var dims = input.Type?.TensorType?.Shape?.Dim ?? throw new NotSupportedException($"input '{input.Name}' has no tensor shape; pass its shape explicitly");
                shape = dims.Select(d => d.HasDimValue ? d.DimValue : 1L).ToArray();
            }

            _shapes[input.Name] = shape;
            resolved[input.Name] = shape;
        }

        return resolved;
    }

    public long[] ShapeOf(string name) =>
        _shapes.TryGetValue(name, out var shape) ? shape
        : _parent is not null ? _parent.ShapeOf(name)
        : throw new NotSupportedException($"no shape known for value '{name}'");

    /// <summary>Walks the graph's initializers and nodes; returns the (min, max) multiply-adds.</summary>
    public (long Min, long Max) Walk(GraphProto graph)
    {
        foreach (var tensor in graph.Initializer)
        {
            AddConstant(tensor.Name, tensor);
        }

        long min = 0, max = 0;
        foreach (var node in graph.Node)
        {
            var (nodeMin, nodeMax) = Visit(node);
            min += nodeMin;
            max += nodeMax;
        }

        return (min, max);
    }

    private void AddConstant(string name, TensorProto tensor)
    {
        _shapes[name] = tensor.Dims.ToArray();
        var count = tensor.Dims.Aggregate(1L, (a, d) => a * d);
        if (count > 64)
        {
            return;
        }

        if (tensor.DataType == 7)
        {
            _ints[name] = tensor.RawData.Length > 0 ? MemoryMarshal.Cast<byte, long>(tensor.RawData.Span).ToArray() : tensor.Int64Data.ToArray();
        }
        else if (tensor.DataType == 1)
        {
            _floats[name] = tensor.RawData.Length > 0 ? MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray() : tensor.FloatData.ToArray();
        }
    }

    private long[]? IntsOf(string name) =>
        _ints.TryGetValue(name, out var v) ? v : _parent?.IntsOf(name);

    private float[]? FloatsOf(string name) =>
        _floats.TryGetValue(name, out var v) ? v : _parent?.FloatsOf(name);

    private long[] ConstInts(NodeProto node, int input) =>
        IntsOf(node.Input[input]) ?? throw new NotSupportedException($"{node.OpType} '{node.Name}': input '{node.Input[input]}' must be a constant initializer");

    private (long Min, long Max) Visit(NodeProto node)
    {
        if (node.OpType == "If")
        {
            return VisitIf(node);
        }

        (long[][] outputs, long macs) inferred;
        try
        {
            inferred = NodeShapes.Infer(node, ShapeOf, ConstInts, FloatsOf);
        }
        catch (Exception ex) when (ex is ArgumentException or IndexOutOfRangeException or InvalidOperationException)
        {
            throw new NotSupportedException($"the inspector cannot infer shapes through {node.OpType} (node '{node.Name}'): {ex.Message}", ex);
        }

        var (outputs, macs) = inferred;
        for (var i = 0; i < outputs.Length && i < node.Output.Count; i++)
        {
            _shapes[node.Output[i]] = outputs[i];
        }

        if (node.OpType == "Constant")
        {
            var value = node.Attribute.FirstOrDefault(a => a.Name == "value")?.T;
            if (value is not null)
            {
                AddConstant(node.Output[0], value);
            }
        }
        else if (ShapeValues.Evaluate(node, ShapeOf, IntsOf) is { } values)
        {
            // Shape arithmetic (Shape -> Gather -> Concat -> Reshape) is folded, so later Reshapes see their target.
            _ints[node.Output[0]] = values;
        }

        Record(node.OpType, macs);
        return (macs, macs);
    }

    private (long Min, long Max) VisitIf(NodeProto node)
    {
        Root._conditionalNodes++;
        Record("If", 0);
        long? min = null, max = null;
        long[][]? widest = null;
        foreach (var attribute in node.Attribute.Where(a => a.G is not null))
        {
            var branch = new GraphWalker(this);
            var (branchMin, branchMax) = branch.Walk(attribute.G);
            min = min is null ? branchMin : Math.Min(min.Value, branchMin);
            max = max is null ? branchMax : Math.Max(max.Value, branchMax);
            var shapes = attribute.G.Output.Select(o => branch.ShapeOf(o.Name)).ToArray();
            if (widest is null || Elements(shapes) > Elements(widest))
            {
                widest = shapes;
            }
        }

        for (var i = 0; widest is not null && i < node.Output.Count; i++)
        {
            _shapes[node.Output[i]] = widest[i];
        }

        return (min ?? 0, max ?? 0);
    }

    private static long Elements(long[][] shapes) => shapes.Sum(s => s.Aggregate(1L, (a, d) => a * d));

    private void Record(string opType, long macs)
    {
        var table = Root._perOpType;
        table.TryGetValue(opType, out var entry);
        table[opType] = (entry.Nodes + 1, entry.MultiplyAdds + macs);
    }
}

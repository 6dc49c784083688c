using Serving.Models.Onnx.Proto;

namespace Serving.Models.Onnx;

/// <summary>
/// Builds an ONNX graph: inputs, initializers, nodes and outputs, with unique value names.
/// Methods return the name of the value they define, so graphs read like the math:
/// <c>var y = g.Add(g.MatMul(x, w), b);</c>
/// </summary>
/// <remarks>Not thread-safe: one builder per graph being written.</remarks>
public sealed class GraphBuilder
{
    private readonly GraphProto _graph;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _counters = new(StringComparer.Ordinal);
    private readonly HashSet<string> _reserved = new(StringComparer.Ordinal);

    public GraphBuilder(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _graph = new GraphProto { Name = name };
    }

    /// <summary>The graph written so far (shared, not a copy).</summary>
    public GraphProto Graph => _graph;

    /// <summary>
    /// A value name not used yet in this graph, derived from <paramref name="hint"/>. The name is
    /// registered when something defines it (an input, an initializer, a node output); the per-hint
    /// counter keeps two calls from returning the same name in the meantime.
    /// </summary>
    public string Fresh(string hint)
    {
        _counters.TryGetValue(hint, out var n);
        string name;
        do
        {
            name = n == 0 ? hint : $"{hint}_{n}";
            n++;
        }
        while (_names.Contains(name));

        _counters[hint] = n;
        return name;
    }

    /// <summary>
    /// Keeps <paramref name="name"/> from being handed out by <see cref="Fresh"/>, for a value the
    /// caller will define later under an externally chosen name (an imported model's output).
    /// </summary>
    public void Reserve(string name)
    {
        Claim(name);
        _reserved.Add(name);
    }

    /// <summary>Declares a graph input and returns its name.</summary>
    public string Input(string name, OnnxDataType type, params Dim[] shape)
    {
        if (!_reserved.Remove(name))
        {
            Claim(name);
        }

        _graph.Input.Add(ValueInfo(name, type, shape));
        return name;
    }

    /// <summary>Declares <paramref name="value"/> as a graph output.</summary>
    public void Output(string value, OnnxDataType type, params Dim[] shape)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        _graph.Output.Add(ValueInfo(value, type, shape));
    }

    /// <summary>Adds a constant tensor (weights) to the graph and returns its name.</summary>
    public string Initializer(TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        Claim(tensor.Name);
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>A float initializer with a name derived from <paramref name="hint"/>.</summary>
    public string Weights(string hint, ReadOnlySpan<long> dims, ReadOnlySpan<float> data) =>
        Initializer(Tensors.Float(Fresh(hint), dims, data));

    /// <summary>A seeded random float initializer (synthetic weights).</summary>
    public string RandomWeights(string hint, ReadOnlySpan<long> dims, Random random, float scale) =>
        Initializer(Tensors.RandomFloat(Fresh(hint), dims, random, scale));

    /// <summary>An int64 initializer (shapes, axes) with a name derived from <paramref name="hint"/>.</summary>
    public string Int64s(string hint, params long[] values) =>
        Initializer(Tensors.Int64(Fresh(hint), [values.Length], values));

    /// <summary>Adds a node with one output and returns the output's name.</summary>
    public string Node(string opType, IReadOnlyList<string> inputs, params AttributeProto[] attributes) =>
        NodeMulti(opType, inputs, 1, attributes)[0];

    /// <summary>Adds a node with <paramref name="outputCount"/> outputs and returns their names.</summary>
    public string[] NodeMulti(string opType, IReadOnlyList<string> inputs, int outputCount, params AttributeProto[] attributes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(opType);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputCount, 1);
        var outputs = new string[outputCount];
        for (var i = 0; i < outputCount; i++)
        {
            outputs[i] = Fresh(opType.ToLowerInvariant());
        }

        AddNode(opType, inputs, outputs, attributes);
        return outputs;
    }

    /// <summary>Adds a node whose output names the caller chooses (e.g. a subgraph's declared outputs).</summary>
    public void AddNode(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = Fresh("node_" + opType.ToLowerInvariant()) };
        node.Input.AddRange(inputs);
        foreach (var output in outputs)
        {
            _names.Add(output);
            node.Output.Add(output);
        }

        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
    }

    public string Add(string a, string b) => Node("Add", [a, b]);

    public string Mul(string a, string b) => Node("Mul", [a, b]);

    public string MatMul(string a, string b) => Node("MatMul", [a, b]);

    public string Relu(string x) => Node("Relu", [x]);

    public string Sigmoid(string x) => Node("Sigmoid", [x]);

    /// <summary>2-D convolution with optional bias, "same"-style symmetric padding and groups.</summary>
    public string Conv(string x, string weights, string? bias, long kernel, long stride = 1, long pad = 0, long group = 1) =>
        Node(
            "Conv",
            bias is null ? [x, weights] : [x, weights, bias],
            Attr.Ints("kernel_shape", kernel, kernel),
            Attr.Ints("strides", stride, stride),
            Attr.Ints("pads", pad, pad, pad, pad),
            Attr.Int("group", group));

    /// <summary>
    /// ONNX <c>If</c>: runs <paramref name="thenBranch"/> or <paramref name="elseBranch"/> depending on a
    /// boolean scalar; only the chosen branch is computed. Branch graphs take no inputs and may read
    /// any value of the enclosing graph by name; both must declare the same number of outputs.
    /// </summary>
    public string[] If(string condition, GraphProto thenBranch, GraphProto elseBranch)
    {
        ArgumentNullException.ThrowIfNull(thenBranch);
        ArgumentNullException.ThrowIfNull(elseBranch);
        if (thenBranch.Output.Count != elseBranch.Output.Count || thenBranch.Output.Count == 0)
        {
            throw new ArgumentException(
                $"If: both branches must declare the same, non-zero number of outputs (then: {thenBranch.Output.Count}, else: {elseBranch.Output.Count})");
        }

        return NodeMulti("If", [condition], thenBranch.Output.Count, Attr.Graph("then_branch", thenBranch), Attr.Graph("else_branch", elseBranch));
    }

    internal static ValueInfoProto ValueInfo(string name, OnnxDataType type, IReadOnlyList<Dim> shape)
    {
        var tensorShape = new TensorShapeProto();
        foreach (var dim in shape)
        {
            tensorShape.Dim.Add(dim.IsSymbolic
                ? new TensorShapeProto.Types.Dimension { DimParam = dim.Symbol }
                : new TensorShapeProto.Types.Dimension { DimValue = dim.Value });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = tensorShape } },
        };
    }

    private void Claim(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!_names.Add(name))
        {
            throw new ArgumentException($"graph '{_graph.Name}' already defines a value named '{name}'", nameof(name));
        }
    }
}

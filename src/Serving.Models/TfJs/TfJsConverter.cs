using Serving.Models.Onnx;

namespace Serving.Models.TfJs;

/// <summary>
/// Translates the nodes of a <see cref="TfJsGraphModel"/> into an ONNX graph, converting each
/// node the first time a consumer asks for it (so dead nodes are never converted and node order
/// in the file does not matter).
/// </summary>
/// <remarks>
/// Layout: rank-4 values are kept NCHW inside the graph; the graph's inputs and outputs keep the
/// TF model's NHWC layout (one Transpose each) so callers pre- and post-process exactly as for the
/// original model. Constants are laid out per use (HWIO filters become OIHW, per-channel vectors
/// become [C,1,1]). The partial files hold the op families.
/// </remarks>
internal sealed partial class TfJsConverter
{
    private readonly TfJsGraphModel _model;
    private readonly GraphBuilder _g;
    private readonly Dictionary<string, TfNode> _nodes;
    private readonly Dictionary<string, TfValue> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _inProgress = new(StringComparer.Ordinal);

    public TfJsConverter(TfJsGraphModel model, string graphName)
    {
        _model = model;
        _g = new GraphBuilder(graphName);
        _nodes = new Dictionary<string, TfNode>(StringComparer.Ordinal);
        foreach (var node in model.Nodes)
        {
            if (!_nodes.TryAdd(node.Name, node))
            {
                throw new TfJsImportException($"two TF.js nodes are named '{node.Name}'");
            }
        }
    }

    /// <summary>Converts the graph reachable from the outputs and returns the finished builder.</summary>
    public GraphBuilder Convert()
    {
        var outputs = _model.SignatureOutputs.Count > 0 ? _model.SignatureOutputs : UnconsumedNodes();
        if (outputs.Count == 0)
        {
            throw new TfJsImportException("the TF.js model has no outputs");
        }

        // TF names are the signature: keep generated names from taking them first.
        foreach (var name in outputs.Concat(_model.Nodes.Where(n => n.Op == "Placeholder").Select(n => n.Name)).Distinct(StringComparer.Ordinal))
        {
            _g.Reserve(name);
        }

        foreach (var output in outputs)
        {
            var value = Resolve(output);
            if (value.IsConstant)
            {
                throw new TfJsImportException($"output '{output}' is a constant; nothing to compute");
            }

            var dims = ExternalDims(value.Shape);
            _g.AddNode(value.Rank == 4 ? "Transpose" : "Identity", [value.OnnxName!], [output], value.Rank == 4 ? [Attr.Ints("perm", TfLayout.ToNhwc)] : []);
            _g.Output(output, OnnxDataType.Float, dims);
        }

        return _g;
    }

    private List<string> UnconsumedNodes()
    {
        var consumed = new HashSet<string>(_model.Nodes.SelectMany(n => n.Inputs), StringComparer.Ordinal);
        return _model.Nodes.Where(n => n.Op is not ("Const" or "Placeholder") && !consumed.Contains(n.Name)).Select(n => n.Name).ToList();
    }

    /// <summary>The value a TF tensor name refers to, converting its producer on first use.</summary>
    private TfValue Resolve(string name)
    {
        if (_values.TryGetValue(name, out var known))
        {
            return known;
        }

        if (!_nodes.TryGetValue(name, out var node))
        {
            var producer = name.Contains(':', StringComparison.Ordinal) ? name[..name.IndexOf(':', StringComparison.Ordinal)] : null;
            throw producer is not null && _nodes.ContainsKey(producer)
                ? new TfJsImportException($"'{name}': only the first output of a node is supported (node '{producer}')")
                : new TfJsImportException($"a node input refers to '{name}', which is not a node of the graph");
        }

        if (!_inProgress.Add(name))
        {
            throw TfJsImportException.ForNode(node, "the graph has a cycle through this node");
        }

        var value = ConvertNode(node);
        _inProgress.Remove(name);
        _values[name] = value;
        return value;
    }

    private TfValue ConvertNode(TfNode node) => node.Op switch
    {
        "Const" => TfValue.Const(_model.Weights.TryGetValue(node.Name, out var w)
            ? w
            : throw TfJsImportException.ForNode(node, "the constant has no entry in weightsManifest")),
        "Placeholder" => Placeholder(node),
        "Identity" or "StopGradient" or "Snapshot" => Resolve(Input(node, 0)),
        "Conv2D" or "DepthwiseConv2dNative" or "DepthwiseConv2d" or "_FusedConv2D" or "FusedConv2D" or "FusedDepthwiseConv2dNative" => Convolution(node),
        "Conv2DBackpropInput" => TransposedConvolution(node),
        "Add" or "AddV2" or "BiasAdd" or "Sub" or "Mul" or "RealDiv" or "Div" or "Maximum" or "Minimum" or "Pow" or "SquaredDifference" => Binary(node),
        "AddN" => AddN(node),
        "Prelu" => Prelu(node),
        "Relu" or "Relu6" or "Sigmoid" or "Tanh" or "Elu" or "Exp" or "Log" or "Sqrt" or "Rsqrt" or "Square" or "Neg" or "Abs" or "Softplus" or "LeakyRelu" or "Reciprocal" => Unary(node),
        "Softmax" => Softmax(node),
        "AvgPool" or "MaxPool" => Pool(node),
        "ResizeBilinear" or "ResizeNearestNeighbor" => Resize(node),
        "ConcatV2" => Concat(node),
        "Pad" or "PadV2" or "MirrorPad" => Pad(node),
        "Mean" or "Max" => Reduce(node),
        "Reshape" => Reshape(node),
        _ => throw TfJsImportException.ForNode(node, "this op is not supported by the TF.js importer"),
    };

    private TfValue Placeholder(TfNode node)
    {
        var dtype = node.Type("dtype");
        if (dtype is not (null or "DT_FLOAT"))
        {
            throw TfJsImportException.ForNode(node, $"input dtype {dtype} is not supported (DT_FLOAT only)");
        }

        var shape = node.Shape("shape") ?? throw TfJsImportException.ForNode(node, "the input has no shape attribute");
        if (shape.Length == 0)
        {
            throw TfJsImportException.ForNode(node, "scalar inputs are not supported");
        }

        shape[0] = -1;
        var input = _g.Input(node.Name, OnnxDataType.Float, ExternalDims(shape));
        return shape.Length == 4
            ? TfValue.Computed(_g.Node("Transpose", [input], Attr.Ints("perm", TfLayout.ToNchw)), shape)
            : TfValue.Computed(input, shape);
    }

    /// <summary>A graph-signature shape: the batch is symbolic, unknown dimensions get names.</summary>
    private static Dim[] ExternalDims(int[] shape) =>
        shape.Select((d, i) => i == 0 ? Dim.Symbolic("batch") : d < 0 ? Dim.Symbolic("d" + i) : Dim.Fixed(d)).ToArray();

    private static string Input(TfNode node, int index) =>
        index < node.Inputs.Count ? node.Inputs[index] : throw TfJsImportException.ForNode(node, $"expected at least {index + 1} inputs, found {node.Inputs.Count}");

    private TfTensor ConstInput(TfNode node, int index, string what) =>
        Resolve(Input(node, index)).Constant ?? throw TfJsImportException.ForNode(node, $"the {what} (input {index}) must be a constant");

    private TfValue ComputedInput(TfNode node, int index)
    {
        var value = Resolve(Input(node, index));
        return value.IsConstant ? TfValue.Computed(Materialize(value.Constant!, value.Rank == 4), value.Shape) : value;
    }

    /// <summary>
    /// Adds a constant as an initializer; <paramref name="asNchw"/> lays a rank-1..4 constant out
    /// for broadcasting against an NCHW activation (TF broadcasts from the last axis = channels).
    /// </summary>
    private string Materialize(TfTensor constant, bool asNchw)
    {
        var data = constant.Data;
        var shape = constant.Shape;
        if (asNchw && shape.Length > 0)
        {
            var rank4 = Enumerable.Repeat(1, 4 - shape.Length).Concat(shape).ToArray();
            data = TfLayout.Permute(data, rank4, [0, 3, 1, 2], out shape);
        }

        return _g.Weights(Sanitize(constant.Name), shape.Select(d => (long)d).ToArray(), data);
    }

    private static string Sanitize(string tfName) => tfName.Replace('/', '_').Replace(':', '_');

    private string Int64s(params long[] values) => _g.Int64s("const", values);

    private string Scalar(float value) => _g.Initializer(Onnx.Tensors.ScalarFloat(_g.Fresh("scalar"), value));

    private static string PaddingOf(TfNode node)
    {
        var padding = node.String("padding") ?? "VALID";
        if (padding is not ("SAME" or "VALID" or "EXPLICIT"))
        {
            throw TfJsImportException.ForNode(node, $"padding '{padding}' is not supported");
        }

        var format = node.String("data_format");
        if (format is not (null or "NHWC"))
        {
            throw TfJsImportException.ForNode(node, $"data_format '{format}' is not supported (NHWC only)");
        }

        return padding;
    }
}

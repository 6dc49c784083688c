using Serving.Models.Onnx;

namespace Serving.Models.TfJs;

/// <summary>Element-wise ops: binary arithmetic with TF broadcasting, AddN, activations.</summary>
internal sealed partial class TfJsConverter
{
    private TfValue Binary(TfNode node)
    {
        var a = Resolve(Input(node, 0));
        var b = Resolve(Input(node, 1));
        var shape = TfLayout.Broadcast(a.Shape, b.Shape);
        var (x, y) = (Operand(node, a, shape.Length), Operand(node, b, shape.Length));
        var result = node.Op switch
        {
            "Add" or "AddV2" or "BiasAdd" => _g.Add(x, y),
            "Sub" => _g.Node("Sub", [x, y]),
            "Mul" => _g.Mul(x, y),
            "RealDiv" or "Div" => _g.Node("Div", [x, y]),
            "Maximum" => _g.Node("Max", [x, y]),
            "Minimum" => _g.Node("Min", [x, y]),
            "Pow" => _g.Node("Pow", [x, y]),
            _ => Square(_g.Node("Sub", [x, y])),
        };
        return TfValue.Computed(result, shape);
    }

    /// <summary>
    /// An operand of an op whose result has <paramref name="resultRank"/>: against a rank-4
    /// (NCHW) result, a constant is laid out NCHW; a computed operand must then be rank 4 too,
    /// since a lower-rank activation would broadcast over TF's channel axis, which NCHW moved.
    /// </summary>
    private string Operand(TfNode node, TfValue value, int resultRank)
    {
        if (value.IsConstant)
        {
            return Materialize(value.Constant!, resultRank == 4);
        }

        if (resultRank == 4 && value.Rank != 4)
        {
            throw TfJsImportException.ForNode(node, $"broadcasting a computed rank-{value.Rank} tensor against a rank-4 tensor is not supported");
        }

        return value.OnnxName!;
    }

    private TfValue AddN(TfNode node)
    {
        var values = node.Inputs.Select(Resolve).ToList();
        var shape = values.Select(v => v.Shape).Aggregate(TfLayout.Broadcast);
        return TfValue.Computed(_g.Node("Sum", values.Select(v => Operand(node, v, shape.Length)).ToList()), shape);
    }

    private TfValue Prelu(TfNode node)
    {
        var x = ComputedInput(node, 0);
        var alpha = Resolve(Input(node, 1));
        return TfValue.Computed(_g.Node("PRelu", [x.OnnxName!, Operand(node, alpha, x.Rank)]), x.Shape);
    }

    private TfValue Unary(TfNode node)
    {
        var x = ComputedInput(node, 0);
        var name = x.OnnxName!;
        var y = node.Op switch
        {
            "Relu" => _g.Relu(name),
            "Relu6" => Clip(name, 0, 6),
            "Sigmoid" => _g.Sigmoid(name),
            "Tanh" => _g.Node("Tanh", [name]),
            "Elu" => _g.Node("Elu", [name]),
            "Exp" => _g.Node("Exp", [name]),
            "Log" => _g.Node("Log", [name]),
            "Sqrt" => _g.Node("Sqrt", [name]),
            "Rsqrt" => _g.Node("Reciprocal", [_g.Node("Sqrt", [name])]),
            "Reciprocal" => _g.Node("Reciprocal", [name]),
            "Square" => Square(name),
            "Neg" => _g.Node("Neg", [name]),
            "Abs" => _g.Node("Abs", [name]),
            "Softplus" => _g.Node("Softplus", [name]),
            _ => _g.Node("LeakyRelu", [name], Attr.Float("alpha", node.Float("alpha", 0.2f))),
        };
        return TfValue.Computed(y, x.Shape);
    }

    private string Square(string x) => _g.Mul(x, x);

    private TfValue Softmax(TfNode node)
    {
        var x = ComputedInput(node, 0);
        var axis = x.Rank == 4 ? 1 : x.Rank - 1;
        return TfValue.Computed(_g.Node("Softmax", [x.OnnxName!], Attr.Int("axis", axis)), x.Shape);
    }
}

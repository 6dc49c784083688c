using Serving.Models.Onnx.Proto;

namespace Serving.Models.Inspection;

/// <summary>Per-operator shape inference and multiply-add counts for the operators the zoo emits.</summary>
internal static class NodeShapes
{
    private static readonly HashSet<string> SameShape = new(StringComparer.Ordinal)
    {
        "BatchNormalization", "Relu", "Sigmoid", "Tanh", "Dropout", "Identity", "Cast", "Softmax", "LeakyRelu", "Clip", "Neg", "Abs", "Exp", "Sqrt",
        "HardSigmoid", "HardSwish", "Elu", "Selu", "Softplus", "Erf", "Reciprocal", "Log", "Floor", "Ceil", "Round", "Not", "Sign",
    };

    private static readonly HashSet<string> Broadcasting = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "PRelu", "Greater", "Less", "Equal", "Max", "Min", "Pow", "And", "Or", "Where", "Sum", "Mean",
    };

    public static (long[][] Outputs, long MultiplyAdds) Infer(
        NodeProto node,
        Func<string, long[]> shapeOf,
        Func<NodeProto, int, long[]> constInts,
        Func<string, float[]?> constFloats)
    {
        var op = node.OpType;
        if (SameShape.Contains(op))
        {
            return (Repeat(shapeOf(node.Input[0]), node.Output.Count), 0);
        }

        if (Broadcasting.Contains(op))
        {
            return ([node.Input.Select(shapeOf).Aggregate(Broadcast)], 0);
        }

        return op switch
        {
            "Conv" => Conv(node, shapeOf),
            "ConvTranspose" => ConvTranspose(node, shapeOf),
            "MatMul" => MatMul(shapeOf(node.Input[0]), shapeOf(node.Input[1])),
            "Gemm" => Gemm(node, shapeOf),
            "Concat" => ([Concat(node, shapeOf)], 0),
            "Split" => (Split(node, shapeOf, constInts), 0),
            "Slice" => ([Slice(node, shapeOf, constInts)], 0),
            "GlobalAveragePool" or "GlobalMaxPool" => ([[.. shapeOf(node.Input[0])[..2], 1, 1]], 0),
            "MaxPool" or "AveragePool" => ([Pool(node, shapeOf(node.Input[0]))], 0),
            "Reshape" => ([Reshape(shapeOf(node.Input[0]), constInts(node, 1))], 0),
            "Flatten" => ([Flatten(node, shapeOf(node.Input[0]))], 0),
            "Transpose" => ([Transpose(node, shapeOf(node.Input[0]))], 0),
            "ReduceMax" or "ReduceMean" or "ReduceSum" or "ReduceMin" => ([Reduce(node, shapeOf(node.Input[0]), constInts)], 0),
            "Resize" => ([Resize(node, shapeOf(node.Input[0]), constInts, constFloats)], 0),
            "Constant" => ([node.Attribute.First(a => a.Name == "value").T.Dims.ToArray()], 0),
            "Unsqueeze" => ([Unsqueeze(shapeOf(node.Input[0]), AxesOf(node, constInts))], 0),
            "Pad" => ([Pad(shapeOf(node.Input[0]), constInts(node, 1))], 0),
            "Squeeze" => ([Squeeze(shapeOf(node.Input[0]), AxesOf(node, constInts))], 0),
            "Shape" => ([[shapeOf(node.Input[0]).Length]], 0),
            "Gather" => ([Gather(node, shapeOf(node.Input[0]), shapeOf(node.Input[1]))], 0),
            "ConstantOfShape" => ([constInts(node, 0)], 0),
            _ => throw new NotSupportedException($"the inspector cannot infer shapes through {op} (node '{node.Name}')"),
        };
    }

    private static long[][] Repeat(long[] shape, int count) => Enumerable.Repeat(shape, count).ToArray();

    private static long Attr(NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.I : fallback;

    private static long[]? Ints(NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name)?.Ints.ToArray();

    private static long Axis(long axis, int rank) => axis < 0 ? axis + rank : axis;

    private static long[] Broadcast(long[] a, long[] b)
    {
        var rank = Math.Max(a.Length, b.Length);
        var result = new long[rank];
        for (var i = 0; i < rank; i++)
        {
            var da = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            var db = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            result[i] = da == 1 ? db : db == 1 || db == da ? da : throw new NotSupportedException($"shapes [{string.Join(",", a)}] and [{string.Join(",", b)}] do not broadcast");
        }

        return result;
    }

    private static (long[][], long) Conv(NodeProto node, Func<string, long[]> shapeOf)
    {
        var x = shapeOf(node.Input[0]);
        var w = shapeOf(node.Input[1]);
        var group = Attr(node, "group", 1);
        var strides = Ints(node, "strides") ?? [1, 1];
        var pads = Ints(node, "pads") ?? [0, 0, 0, 0];
        var dilations = Ints(node, "dilations") ?? [1, 1];
        var spatial = new long[2];
        for (var i = 0; i < 2; i++)
        {
            var effective = (w[2 + i] - 1) * dilations[i] + 1;
            spatial[i] = (x[2 + i] + pads[i] + pads[i + 2] - effective) / strides[i] + 1;
        }

        long[] y = [x[0], w[0], spatial[0], spatial[1]];
        var macs = x[0] * w[0] * spatial[0] * spatial[1] * (x[1] / group) * w[2] * w[3];
        return ([y], macs);
    }

    private static (long[][], long) ConvTranspose(NodeProto node, Func<string, long[]> shapeOf)
    {
        var x = shapeOf(node.Input[0]);
        var w = shapeOf(node.Input[1]);
        var group = Attr(node, "group", 1);
        var strides = Ints(node, "strides") ?? [1, 1];
        var pads = Ints(node, "pads") ?? [0, 0, 0, 0];
        var dilations = Ints(node, "dilations") ?? [1, 1];
        var outputPadding = Ints(node, "output_padding") ?? [0, 0];
        var spatial = Ints(node, "output_shape") is { Length: 2 } explicitShape
            ? explicitShape
            : Enumerable.Range(0, 2).Select(i => (x[2 + i] - 1) * strides[i] - pads[i] - pads[i + 2] + (dilations[i] * (w[2 + i] - 1)) + outputPadding[i] + 1).ToArray();
        long[] y = [x[0], w[1] * group, spatial[0], spatial[1]];
        // Every input pixel scatters its channels through a kH x kW kernel into C_out / group outputs.
        var macs = x[0] * x[1] * x[2] * x[3] * w[1] * w[2] * w[3];
        return ([y], macs);
    }

    private static (long[][], long) MatMul(long[] a, long[] b)
    {
        var n = a[^2];
        var k = a[^1];
        var m = b[^1];
        var batch = Broadcast(a[..^2], b.Length >= 2 ? b[..^2] : []);
        long[] y = [.. batch, n, m];
        return ([y], batch.Aggregate(1L, (p, d) => p * d) * n * k * m);
    }

    private static (long[][], long) Gemm(NodeProto node, Func<string, long[]> shapeOf)
    {
        var a = shapeOf(node.Input[0]);
        var b = shapeOf(node.Input[1]);
        var (n, k) = Attr(node, "transA", 0) == 1 ? (a[1], a[0]) : (a[0], a[1]);
        var m = Attr(node, "transB", 0) == 1 ? b[0] : b[1];
        return ([[n, m]], n * k * m);
    }

    private static long[] Concat(NodeProto node, Func<string, long[]> shapeOf)
    {
        var shapes = node.Input.Select(shapeOf).ToArray();
        var axis = Axis(Attr(node, "axis", 0), shapes[0].Length);
        var y = (long[])shapes[0].Clone();
        y[axis] = shapes.Sum(s => s[axis]);
        return y;
    }

    private static long[][] Split(NodeProto node, Func<string, long[]> shapeOf, Func<NodeProto, int, long[]> constInts)
    {
        var x = shapeOf(node.Input[0]);
        var axis = Axis(Attr(node, "axis", 0), x.Length);
        var sizes = node.Input.Count > 1 && node.Input[1].Length > 0
            ? constInts(node, 1)
            : Enumerable.Repeat(x[axis] / node.Output.Count, node.Output.Count).ToArray();
        return sizes.Select(s =>
        {
            var y = (long[])x.Clone();
            y[axis] = s;
            return y;
        }).ToArray();
    }

    private static long[] Slice(NodeProto node, Func<string, long[]> shapeOf, Func<NodeProto, int, long[]> constInts)
    {
        var y = (long[])shapeOf(node.Input[0]).Clone();
        // Before opset 10 starts/ends/axes were attributes; since, inputs.
        var starts = Ints(node, "starts") ?? constInts(node, 1);
        var ends = Ints(node, "ends") ?? constInts(node, 2);
        var axes = Ints(node, "axes") ?? (node.Input.Count > 3 && node.Input[3].Length > 0 ? constInts(node, 3) : Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray());
        var steps = node.Input.Count > 4 && node.Input[4].Length > 0 ? constInts(node, 4) : Enumerable.Repeat(1L, starts.Length).ToArray();
        for (var i = 0; i < starts.Length; i++)
        {
            var axis = Axis(axes[i], y.Length);
            var dim = y[axis];
            var start = Math.Clamp(starts[i] < 0 ? starts[i] + dim : starts[i], 0, dim);
            var end = Math.Clamp(ends[i] < 0 ? ends[i] + dim : ends[i], 0, dim);
            y[axis] = Math.Max(0, (end - start + steps[i] - 1) / steps[i]);
        }

        return y;
    }

    private static long[] Pool(NodeProto node, long[] x)
    {
        var kernel = Ints(node, "kernel_shape")!;
        var strides = Ints(node, "strides") ?? [1, 1];
        var pads = Ints(node, "pads") ?? [0, 0, 0, 0];
        return [x[0], x[1], (x[2] + pads[0] + pads[2] - kernel[0]) / strides[0] + 1, (x[3] + pads[1] + pads[3] - kernel[1]) / strides[1] + 1];
    }

    private static long[] Reshape(long[] x, long[] shape)
    {
        var y = new long[shape.Length];
        var inferred = -1;
        for (var i = 0; i < shape.Length; i++)
        {
            y[i] = shape[i] == 0 ? x[i] : shape[i];
            if (shape[i] == -1)
            {
                inferred = i;
            }
        }

        if (inferred >= 0)
        {
            var known = y.Where((d, i) => i != inferred).Aggregate(1L, (p, d) => p * d);
            y[inferred] = x.Aggregate(1L, (p, d) => p * d) / known;
        }

        return y;
    }

    private static long[] Flatten(NodeProto node, long[] x)
    {
        var axis = Axis(Attr(node, "axis", 1), x.Length);
        return [x[..(int)axis].Aggregate(1L, (p, d) => p * d), x[(int)axis..].Aggregate(1L, (p, d) => p * d)];
    }

    private static long[] Transpose(NodeProto node, long[] x)
    {
        var perm = Ints(node, "perm") ?? Enumerable.Range(0, x.Length).Reverse().Select(i => (long)i).ToArray();
        return perm.Select(p => x[p]).ToArray();
    }

    private static long[] Reduce(NodeProto node, long[] x, Func<NodeProto, int, long[]> constInts)
    {
        var axes = Ints(node, "axes") ?? (node.Input.Count > 1 ? constInts(node, 1) : Enumerable.Range(0, x.Length).Select(i => (long)i).ToArray());
        var set = axes.Select(a => Axis(a, x.Length)).ToHashSet();
        var keep = Attr(node, "keepdims", 1) == 1;
        return keep
            ? x.Select((d, i) => set.Contains(i) ? 1 : d).ToArray()
            : x.Where((d, i) => !set.Contains(i)).ToArray();
    }

    private static long[] Resize(NodeProto node, long[] x, Func<NodeProto, int, long[]> constInts, Func<string, float[]?> constFloats)
    {
        if (node.Input.Count > 3 && node.Input[3].Length > 0)
        {
            return constInts(node, 3);
        }

        var scales = constFloats(node.Input[2]) ?? throw new NotSupportedException($"Resize '{node.Name}': scales must be a constant initializer");
        return x.Select((d, i) => (long)Math.Floor(d * scales[i])).ToArray();
    }

    private static long[] Unsqueeze(long[] x, long[] axes)
    {
        var rank = x.Length + axes.Length;
        var set = axes.Select(a => Axis(a, rank)).ToHashSet();
        var y = new long[rank];
        var j = 0;
        for (var i = 0; i < rank; i++)
        {
            y[i] = set.Contains(i) ? 1 : x[j++];
        }

        return y;
    }

    // Opset 13 moved axes from an attribute to the second input; exported models use both.
    private static long[] AxesOf(NodeProto node, Func<NodeProto, int, long[]> constInts) =>
        Ints(node, "axes") ?? (node.Input.Count > 1 && node.Input[1].Length > 0 ? constInts(node, 1) : []);

    private static long[] Gather(NodeProto node, long[] data, long[] indices)
    {
        var axis = (int)Axis(Attr(node, "axis", 0), data.Length);
        return [.. data[..axis], .. indices, .. data[(axis + 1)..]];
    }

    private static long[] Pad(long[] x, long[] pads) => x.Select((d, i) => d + pads[i] + pads[i + x.Length]).ToArray();

    private static long[] Squeeze(long[] x, long[] axes)
    {
        var set = axes.Select(a => Axis(a, x.Length)).ToHashSet();
        return x.Where((d, i) => !set.Contains(i)).ToArray();
    }
}

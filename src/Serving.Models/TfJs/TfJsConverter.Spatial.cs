using Serving.Models.Onnx;

namespace Serving.Models.TfJs;

/// <summary>Pooling, resizing, concatenation, padding, reductions and reshapes.</summary>
internal sealed partial class TfJsConverter
{
    private TfValue Pool(TfNode node)
    {
        var x = ComputedInput(node, 0);
        var ksize = node.Ints("ksize");
        var strides = node.Ints("strides");
        if (x.Rank != 4 || ksize.Length != 4 || strides.Length != 4 || ksize[0] != 1 || ksize[3] != 1)
        {
            throw TfJsImportException.ForNode(node, "expected a rank-4 input and spatial-only ksize/strides");
        }

        int[] kernel = [(int)ksize[1], (int)ksize[2]], stride = [(int)strides[1], (int)strides[2]];
        var (pads, outH, outW) = ConvPads(node, x.Shape, kernel, stride, [1, 1], out var autoPad);

        // TF's SAME average pooling divides by the number of real pixels: count_include_pad = 0.
        var y = _g.Node(
            node.Op == "AvgPool" ? "AveragePool" : "MaxPool",
            [x.OnnxName!],
            Attr.Ints("kernel_shape", kernel[0], kernel[1]),
            Attr.Ints("strides", stride[0], stride[1]),
            autoPad ? Attr.String("auto_pad", "SAME_UPPER") : Attr.Ints("pads", pads));
        return TfValue.Computed(y, [x.Shape[0], outH, outW, x.Shape[3]]);
    }

    /// <summary>
    /// TF's resize flags map onto ONNX coordinate transforms: align_corners -> align_corners,
    /// half_pixel_centers -> half_pixel (bilinear) / tf_half_pixel_for_nn (nearest), neither ->
    /// asymmetric. The size comes from a constant; the batch and channels from the input at run time.
    /// </summary>
    private TfValue Resize(TfNode node)
    {
        var x = ComputedInput(node, 0);
        var size = ConstInput(node, 1, "size").AsInt64();
        if (x.Rank != 4 || size.Length != 2)
        {
            throw TfJsImportException.ForNode(node, "expected a rank-4 input and a 2-element size");
        }

        var alignCorners = node.Bool("align_corners");
        var halfPixel = node.Bool("half_pixel_centers");
        if (alignCorners && halfPixel)
        {
            throw TfJsImportException.ForNode(node, "align_corners and half_pixel_centers cannot both be set");
        }

        var bilinear = node.Op == "ResizeBilinear";
        var transform = alignCorners ? "align_corners" : !halfPixel ? "asymmetric" : bilinear ? "half_pixel" : "tf_half_pixel_for_nn";
        var batchAndChannels = _g.Node("Slice", [_g.Node("Shape", [x.OnnxName!]), Int64s(0), Int64s(2)]);
        var sizes = _g.Node("Concat", [batchAndChannels, Int64s(size)], Attr.Int("axis", 0));
        var y = _g.Node(
            "Resize",
            [x.OnnxName!, "", "", sizes],
            Attr.String("mode", bilinear ? "linear" : "nearest"),
            Attr.String("coordinate_transformation_mode", transform),
            Attr.String("nearest_mode", alignCorners ? "round_prefer_ceil" : "floor"));
        return TfValue.Computed(y, [x.Shape[0], (int)size[0], (int)size[1], x.Shape[3]]);
    }

    private TfValue Concat(TfNode node)
    {
        var axisValue = ConstInput(node, node.Inputs.Count - 1, "axis").AsInt64()[0];
        var values = node.Inputs.Take(node.Inputs.Count - 1).Select(Resolve).ToList();
        var rank = values[0].Rank;
        var axis = (int)(axisValue < 0 ? axisValue + rank : axisValue);
        if (values.Any(v => v.Rank != rank) || axis < 0 || axis >= rank)
        {
            throw TfJsImportException.ForNode(node, "inputs must share a rank and the axis must be inside it");
        }

        var shape = (int[])values[0].Shape.Clone();
        shape[axis] = values.Any(v => v.Shape[axis] < 0) ? -1 : values.Sum(v => v.Shape[axis]);
        var inputs = values.Select(v => Operand(node, v, rank)).ToList();
        var y = _g.Node("Concat", inputs, Attr.Int("axis", rank == 4 ? TfLayout.NchwAxis(axis) : axis));
        return TfValue.Computed(y, shape);
    }

    private TfValue Pad(TfNode node)
    {
        var x = ComputedInput(node, 0);
        var paddings = ConstInput(node, 1, "paddings").AsInt64();
        if (paddings.Length != 2 * x.Rank)
        {
            throw TfJsImportException.ForNode(node, $"paddings has {paddings.Length} values, expected {2 * x.Rank}");
        }

        var mode = node.Op == "MirrorPad" ? node.String("mode") : "CONSTANT";
        if (mode is not ("CONSTANT" or "REFLECT"))
        {
            throw TfJsImportException.ForNode(node, $"mirror mode '{mode}' is not supported (REFLECT only)");
        }

        var pads = new long[2 * x.Rank];
        var shape = (int[])x.Shape.Clone();
        for (var tfAxis = 0; tfAxis < x.Rank; tfAxis++)
        {
            var axis = x.Rank == 4 ? TfLayout.NchwAxis(tfAxis) : tfAxis;
            pads[axis] = paddings[2 * tfAxis];
            pads[axis + x.Rank] = paddings[(2 * tfAxis) + 1];
            shape[tfAxis] = shape[tfAxis] < 0 ? -1 : shape[tfAxis] + (int)(paddings[2 * tfAxis] + paddings[(2 * tfAxis) + 1]);
        }

        var constant = node.Op == "PadV2" ? ConstInput(node, 2, "constant_values").Data[0] : 0f;
        var y = _g.Node("Pad", [x.OnnxName!, Int64s(pads), Scalar(constant)], Attr.String("mode", mode == "REFLECT" ? "reflect" : "constant"));
        return TfValue.Computed(y, shape);
    }

    private TfValue Reduce(TfNode node)
    {
        var x = ComputedInput(node, 0);
        var axes = ConstInput(node, 1, "axes").AsInt64().Select(a => (int)(a < 0 ? a + x.Rank : a)).Distinct().Order().ToArray();
        var keep = node.Bool("keep_dims");
        var op = node.Op == "Mean" ? "ReduceMean" : "ReduceMax";
        var shape = keep
            ? x.Shape.Select((d, i) => axes.Contains(i) ? 1 : d).ToArray()
            : x.Shape.Where((_, i) => !axes.Contains(i)).ToArray();

        // Global pooling ([1,2] without keep_dims) leaves [N, C] in either layout.
        var stayNchw = x.Rank == 4 && (keep || axes.SequenceEqual([1, 2]));
        var source = x.Rank == 4 && !stayNchw ? ToNhwc(x.OnnxName!) : x.OnnxName!;
        var onnxAxes = stayNchw ? axes.Select(a => (long)TfLayout.NchwAxis(a)).ToArray() : axes.Select(a => (long)a).ToArray();
        var y = _g.Node(op, [source], Attr.Ints("axes", onnxAxes), Attr.Int("keepdims", keep ? 1 : 0));
        return TfValue.Computed(y, shape);
    }

    private TfValue Reshape(TfNode node)
    {
        var x = ComputedInput(node, 0);
        var target = ConstInput(node, 1, "shape").AsInt64();
        if (target.Contains(0))
        {
            throw TfJsImportException.ForNode(node, "a zero-sized dimension in the target shape is not supported");
        }

        var source = x.Rank == 4 ? ToNhwc(x.OnnxName!) : x.OnnxName!;
        var y = _g.Node("Reshape", [source, Int64s(target)]);
        var shape = target.Select(d => (int)d).ToArray();
        return TfValue.Computed(shape.Length == 4 ? _g.Node("Transpose", [y], Attr.Ints("perm", TfLayout.ToNchw)) : y, shape);
    }

    private string ToNhwc(string nchw) => _g.Node("Transpose", [nchw], Attr.Ints("perm", TfLayout.ToNhwc));
}

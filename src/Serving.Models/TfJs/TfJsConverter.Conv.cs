using Serving.Models.Onnx;

namespace Serving.Models.TfJs;

/// <summary>Convolutions: Conv2D, depthwise, their fused forms, and the transposed convolution.</summary>
internal sealed partial class TfJsConverter
{
    private TfValue Convolution(TfNode node)
    {
        var x = ComputedInput(node, 0);
        var filter = ConstInput(node, 1, "filter");
        var depthwise = node.Op.Contains("Depthwise", StringComparison.Ordinal);
        if (x.Rank != 4 || filter.Rank != 4)
        {
            throw TfJsImportException.ForNode(node, $"expected a rank-4 input and filter, got ranks {x.Rank} and {filter.Rank}");
        }

        // TF filters are [kh, kw, in, out] (depthwise: [kh, kw, C, multiplier]); ONNX wants
        // [out, in/group, kh, kw]. Depthwise output channel c*M+m matches TF's order.
        int kh = filter.Shape[0], kw = filter.Shape[1], inChannels = filter.Shape[2];
        float[] weights;
        int[] weightShape;
        int outChannels, group;
        if (depthwise)
        {
            weights = TfLayout.Permute(filter.Data, filter.Shape, [2, 3, 0, 1], out _);
            outChannels = inChannels * filter.Shape[3];
            weightShape = [outChannels, 1, kh, kw];
            group = inChannels;
        }
        else
        {
            weights = TfLayout.Permute(filter.Data, filter.Shape, [3, 2, 0, 1], out weightShape);
            outChannels = filter.Shape[3];
            group = x.Shape[3] > 0 && x.Shape[3] != inChannels ? x.Shape[3] / inChannels : 1;
        }

        var (strides, dilations) = (node.Ints("strides"), node.Ints("dilations"));
        var stride = strides.Length == 4 ? new[] { (int)strides[1], (int)strides[2] } : [1, 1];
        var dilation = dilations.Length == 4 ? new[] { (int)dilations[1], (int)dilations[2] } : [1, 1];
        var (pads, outH, outW) = ConvPads(node, x.Shape, [kh, kw], stride, dilation, out var autoPad);

        var w = _g.Weights(Sanitize(filter.Name), weightShape.Select(d => (long)d).ToArray(), weights);
        var inputs = new List<string> { x.OnnxName!, w };
        var fused = node.Op.Contains("Fused", StringComparison.Ordinal) ? node.Strings("fused_ops") : [];
        if (fused.Length > 0 && fused[0] == "BiasAdd")
        {
            var bias = ConstInput(node, 2, "bias");
            inputs.Add(_g.Weights(Sanitize(bias.Name), [bias.Data.Length], bias.Data));
        }
        else if (fused.Length > 0)
        {
            throw TfJsImportException.ForNode(node, $"fused op '{fused[0]}' is not supported (BiasAdd only, then an activation)");
        }

        var attributes = new List<Onnx.Proto.AttributeProto>
        {
            Attr.Ints("kernel_shape", kh, kw),
            Attr.Ints("strides", stride[0], stride[1]),
            Attr.Ints("dilations", dilation[0], dilation[1]),
            Attr.Int("group", group),
        };
        attributes.Add(autoPad ? Attr.String("auto_pad", "SAME_UPPER") : Attr.Ints("pads", pads));
        var y = _g.Node("Conv", inputs, [.. attributes]);
        if (fused.Length > 1)
        {
            y = FusedActivation(node, fused[1], y, outChannels);
        }

        return TfValue.Computed(y, [x.Shape[0], outH, outW, outChannels]);
    }

    /// <summary>
    /// Explicit ONNX pads [top, left, bottom, right] per TF's rule, or <paramref name="autoPad"/>
    /// (ONNX SAME_UPPER, the same rule computed at run time) when the spatial size is unknown.
    /// </summary>
    private static (long[] Pads, int OutH, int OutW) ConvPads(TfNode node, int[] nhwc, int[] kernel, int[] stride, int[] dilation, out bool autoPad)
    {
        var padding = PaddingOf(node);
        var explicitPads = node.Ints("explicit_paddings");
        if (padding == "EXPLICIT" && explicitPads.Length != 8)
        {
            throw TfJsImportException.ForNode(node, "EXPLICIT padding needs 8 explicit_paddings");
        }

        autoPad = false;
        if (nhwc[1] < 0 || nhwc[2] < 0)
        {
            if (padding == "EXPLICIT")
            {
                throw TfJsImportException.ForNode(node, "EXPLICIT padding needs a known spatial input size");
            }

            autoPad = padding == "SAME";
            return ([0, 0, 0, 0], -1, -1);
        }

        int b0 = 0, a0 = 0, b1 = 0, a1 = 0;
        if (padding == "EXPLICIT")
        {
            (b0, a0, b1, a1) = ((int)explicitPads[2], (int)explicitPads[3], (int)explicitPads[4], (int)explicitPads[5]);
        }

        var h = TfLayout.Spatial(nhwc[1], kernel[0], stride[0], dilation[0], padding, b0, a0);
        var w = TfLayout.Spatial(nhwc[2], kernel[1], stride[1], dilation[1], padding, b1, a1);
        return ([h.Before, w.Before, h.After, w.After], h.Out, w.Out);
    }

    private string FusedActivation(TfNode node, string activation, string x, int channels) => activation switch
    {
        "Relu" => _g.Relu(x),
        "Relu6" => Clip(x, 0, 6),
        "Elu" => _g.Node("Elu", [x]),
        "Sigmoid" => _g.Sigmoid(x),
        "LeakyRelu" => _g.Node("LeakyRelu", [x], Attr.Float("alpha", node.Float("leakyrelu_alpha", 0.2f))),
        "Prelu" => _g.Node("PRelu", [x, PerChannel(ConstInput(node, 3, "prelu alpha"), channels)]),
        _ => throw TfJsImportException.ForNode(node, $"fused activation '{activation}' is not supported"),
    };

    /// <summary>A per-channel constant as [C,1,1] so it broadcasts over NCHW.</summary>
    private string PerChannel(TfTensor constant, int channels)
    {
        if (constant.Data.Length != channels)
        {
            throw new TfJsImportException($"constant '{constant.Name}' has {constant.Data.Length} values, expected one per channel ({channels})");
        }

        return _g.Weights(Sanitize(constant.Name), [channels, 1, 1], constant.Data);
    }

    private string Clip(string x, float min, float max) => _g.Node("Clip", [x, Scalar(min), Scalar(max)]);

    /// <summary>
    /// Conv2DBackpropInput = the adjoint of a TF convolution, which ONNX ConvTranspose is too
    /// (both cross-correlate, so no kernel flip). The filter [kh, kw, out, in] becomes
    /// [in, out, kh, kw]; pads and output_padding reproduce TF's output size exactly.
    /// </summary>
    private TfValue TransposedConvolution(TfNode node)
    {
        var sizes = ConstInput(node, 0, "input_sizes").AsInt64();
        var filter = ConstInput(node, 1, "filter");
        var x = ComputedInput(node, 2);
        if (sizes.Length != 4 || filter.Rank != 4 || x.Rank != 4)
        {
            throw TfJsImportException.ForNode(node, "expected 4 input_sizes, a rank-4 filter and a rank-4 input");
        }

        if (x.Shape[1] < 0 || x.Shape[2] < 0)
        {
            throw TfJsImportException.ForNode(node, "needs a known spatial input size");
        }

        int kh = filter.Shape[0], kw = filter.Shape[1], outChannels = filter.Shape[2];
        var strides = node.Ints("strides");
        var dilations = node.Ints("dilations");
        var stride = strides.Length == 4 ? new[] { (int)strides[1], (int)strides[2] } : [1, 1];
        var dilation = dilations.Length == 4 ? new[] { (int)dilations[1], (int)dilations[2] } : [1, 1];
        var padding = PaddingOf(node);
        if (padding == "EXPLICIT")
        {
            throw TfJsImportException.ForNode(node, "EXPLICIT padding is not supported for the transposed convolution");
        }

        var pads = new long[4];
        var outputPadding = new long[2];
        for (var i = 0; i < 2; i++)
        {
            var outSize = (int)sizes[1 + i];
            var forward = TfLayout.Spatial(outSize, i == 0 ? kh : kw, stride[i], dilation[i], padding);
            if (forward.Out != x.Shape[1 + i])
            {
                throw TfJsImportException.ForNode(node, $"input_sizes {outSize} does not map to the input's size {x.Shape[1 + i]} (the forward convolution gives {forward.Out})");
            }

            var effective = ((i == 0 ? kh : kw) - 1) * dilation[i] + 1;
            (pads[i], pads[i + 2]) = (forward.Before, forward.After);
            outputPadding[i] = outSize - ((x.Shape[1 + i] - 1) * stride[i] + effective - forward.Before - forward.After);
        }

        var weights = TfLayout.Permute(filter.Data, filter.Shape, [3, 2, 0, 1], out var weightShape);
        var w = _g.Weights(Sanitize(filter.Name), weightShape.Select(d => (long)d).ToArray(), weights);
        var y = _g.Node(
            "ConvTranspose",
            [x.OnnxName!, w],
            Attr.Ints("kernel_shape", kh, kw),
            Attr.Ints("strides", stride[0], stride[1]),
            Attr.Ints("dilations", dilation[0], dilation[1]),
            Attr.Ints("pads", pads),
            Attr.Ints("output_padding", outputPadding));
        return TfValue.Computed(y, [x.Shape[0], (int)sizes[1], (int)sizes[2], outChannels]);
    }
}

using Serving.Models.Onnx;

namespace Serving.Models.Zoo;

/// <summary>
/// WeightNet convolutions: each sample's kernel is generated from its own activations, and the
/// convolution is written so that a batch of samples with different kernels runs as one graph.
/// </summary>
/// <remarks>
/// Ma, Zhang, Huang, Sun, "WeightNet: Revisiting the Design Space of Weight Networks", ECCV 2020:
/// the block's input is globally pooled and reduced to <c>max(16, C/16)</c> channels; for each
/// convolution an FC layer produces <c>M x C_out</c> values, a sigmoid squashes them, and a grouped
/// FC with <c>G x C_out</c> groups expands them into the <c>C_out x C_in x k x k</c> kernel
/// (M = G = 2, so every group maps one value to <c>C_in*k*k/2</c> weights: the grouped FC costs one
/// multiply-add per generated weight; depthwise kernels, whose k*k is odd, are generated per
/// channel from its M values, as in the paper's code). The paper counts those FC multiply-adds together with the
/// convolution's. Batching: a 1x1 convolution is the batched product
/// <c>[N, C_out, C_in] x [N, C_in, H*W]</c>; a depthwise k x k convolution unfolds the padded
/// input into <c>[N, C, k*k, H'*W']</c> (k*k strided slices) and multiplies by the per-sample
/// kernels <c>[N, C, 1, k*k]</c>. Both are MatMuls, so the inspector counts exactly the
/// convolution's multiply-adds, and no attribute depends on the batch size.
/// </remarks>
internal sealed class WeightNetLayers(Layers layers)
{
    public const int M = 2;
    public const int G = 2;

    public static int GapChannels(int inputs) => Math.Max(16, inputs / 16);

    /// <summary>The block's shared context: GAP then a 1x1 reduction (with bias) to <see cref="GapChannels"/>.</summary>
    public string Context(string x, int channels) =>
        layers.Conv(layers.G.GlobalAveragePool(x), channels, GapChannels(channels), 1, bias: true);

    /// <summary>1x1 convolution with per-sample weights generated from <paramref name="context"/>.</summary>
    public string Pointwise(string x, string context, int contextChannels, int inputs, int outputs, int height, int width)
    {
        var g = layers.G;
        var kernels = g.Reshape(Generate(context, contextChannels, outputs, inputs, G * outputs), 0, outputs, inputs);
        var flat = g.Reshape(x, 0, inputs, -1);
        return g.Reshape(g.MatMul(kernels, flat), 0, outputs, height, width);
    }

    /// <summary>Depthwise k x k convolution ("same" padding) with per-sample weights.</summary>
    public string Depthwise(string x, string context, int contextChannels, int channels, int kernel, int stride, int height, int width)
    {
        var g = layers.G;
        var pad = kernel / 2;
        var outH = (height + 2 * pad - kernel) / stride + 1;
        var outW = (width + 2 * pad - kernel) / stride + 1;
        var kernels = g.Reshape(Generate(context, contextChannels, channels, kernel * kernel, channels), 0, channels, 1, kernel * kernel);
        var padded = g.PadSpatial(x, pad);
        var taps = new string[kernel * kernel];
        for (var i = 0; i < kernel; i++)
        {
            for (var j = 0; j < kernel; j++)
            {
                var window = g.Slice(padded, [i, j], [i + (long)stride * (outH - 1) + 1, j + (long)stride * (outW - 1) + 1], [2, 3], [stride, stride]);
                taps[i * kernel + j] = g.Reshape(window, 0, channels, 1, (long)outH * outW);
            }
        }

        var columns = g.Concat(2, taps);
        return g.Reshape(g.MatMul(kernels, columns), 0, channels, outH, outW);
    }

    // GAP context -> FC (M*C_out, sigmoid) -> grouped FC -> [N, C_out*fanIn, 1, 1]. Pointwise kernels
    // use G*C_out groups (one gate value per group); depthwise ones, as in the paper's release, C
    // groups (the M gate values of a channel generate its k*k weights), since k*k is odd.
    private string Generate(string context, int contextChannels, int outputs, int fanIn, int groups)
    {
        var g = layers.G;
        var gates = g.Sigmoid(layers.Conv(context, contextChannels, M * outputs, 1, bias: true));
        var perGroupIn = M * outputs / groups;

        // Sigmoid outputs average 0.5: widen the expanding weights so the generated kernel has He
        // initialisation's spread for its fan-in.
        var gain = 2f / MathF.Sqrt(perGroupIn);
        var w = g.RandomWeights("wn_fc2", [(long)outputs * fanIn, perGroupIn, 1, 1], layers.Random, gain * MathF.Sqrt(6f / fanIn));
        return g.Conv(gates, w, null, 1, 1, 0, groups);
    }
}

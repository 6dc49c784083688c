using Serving.Models.Onnx;

namespace Serving.Models.Zoo;

/// <summary>
/// Seeded layers over a <see cref="GraphBuilder"/>: convolutions, batch norm and fully connected
/// layers with their weights drawn from one <see cref="Random"/>, so a seed fixes every byte.
/// </summary>
/// <remarks>
/// Convolution and FC weights are uniform in <c>±gain*sqrt(6/fan_in)</c> (He initialisation for
/// ReLU networks), which keeps activations of the deep synthetic networks finite and of order one;
/// batch norm starts near the identity (gamma ~1, beta ~0, running mean ~0, variance ~1).
/// </remarks>
internal sealed class Layers(GraphBuilder graph, Random random)
{
    public GraphBuilder G { get; } = graph;

    public Random Random { get; } = random;

    public string ConvWeights(long cin, long cout, long kernel, long group = 1, float gain = 1f)
    {
        var fanIn = cin / group * kernel * kernel;
        return G.RandomWeights("w", [cout, cin / group, kernel, kernel], Random, gain * MathF.Sqrt(6f / fanIn));
    }

    public string Conv(string x, long cin, long cout, long kernel, long stride = 1, long group = 1, bool bias = false, float gain = 1f)
    {
        var w = ConvWeights(cin, cout, kernel, group, gain);
        var b = bias ? G.RandomWeights("b", [cout], Random, 0.01f) : null;
        return G.Conv(x, w, b, kernel, stride, kernel / 2, group);
    }

    public string BatchNorm(string x, long channels)
    {
        return G.BatchNorm(x, Near("gamma", channels, 1f, 0.1f), Near("beta", channels, 0f, 0.05f), Near("mean", channels, 0f, 0.05f), Near("var", channels, 1f, 0.1f));
    }

    public string BnRelu(string x, long channels) => G.Relu(BatchNorm(x, channels));

    /// <summary>BN -> ReLU -> Conv: the pre-activation unit of DPN (and pre-activation ResNets).</summary>
    public string BnReluConv(string x, long cin, long cout, long kernel, long stride = 1, long group = 1, float gain = 1f) =>
        Conv(BnRelu(x, cin), cin, cout, kernel, stride, group, bias: false, gain: gain);

    /// <summary>Conv -> BN -> ReLU: the post-activation unit.</summary>
    public string ConvBnRelu(string x, long cin, long cout, long kernel, long stride = 1, long group = 1) =>
        BnRelu(Conv(x, cin, cout, kernel, stride, group), cout);

    /// <summary>Fully connected layer on [N, in] with weights stored [out, in] (Gemm, transB).</summary>
    public string Fc(string x, long inputs, long outputs, bool bias = true, float gain = 1f)
    {
        var w = G.RandomWeights("fc_w", [outputs, inputs], Random, gain * MathF.Sqrt(6f / inputs));
        return G.Gemm(x, w, bias ? G.RandomWeights("fc_b", [outputs], Random, 0.01f) : null);
    }

    /// <summary>Values uniform in <c>center ± spread</c>.</summary>
    public string Near(string hint, long count, float center, float spread)
    {
        var data = new float[count];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = center + (float)((Random.NextDouble() * 2 - 1) * spread);
        }

        return G.Weights(hint, [count], data);
    }
}

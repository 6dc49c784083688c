using Serving.Models.Onnx;
using Serving.OnnxRuntime;

namespace Serving.Models.Tests.Onnx;

/// <summary>
/// Models written with <see cref="GraphBuilder"/> load in the real ONNX Runtime and compute what
/// the math says (expected values computed here independently, in plain C#).
/// </summary>
public sealed class WrittenModelRunTests
{
    private static InferenceSession Load(GraphBuilder g) =>
        InferenceSession.Create(OnnxModel.Create(g).ToBytes(), new SessionOptions { IntraOpThreads = 1 });

    private static float[] RunFloat(InferenceSession session, params NamedTensor[] inputs)
    {
        using var result = session.Run(inputs);
        return result[0].GetSpan<float>().ToArray();
    }

    private static float[] Seeded(int seed, int length)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    [Fact]
    public void Add_WithInitializer_BroadcastsOverSymbolicBatch()
    {
        var g = new GraphBuilder("add");
        var x = g.Input("x", OnnxDataType.Float, "batch", 3);
        var bias = g.Weights("bias", [3], [10f, 20f, 30f]);
        g.Output(g.Add(x, bias), OnnxDataType.Float, "batch", 3);
        using var session = Load(g);

        var y = RunFloat(session, NamedTensor.Create<float>("x", [2, 3], new float[] { 1, 2, 3, 4, 5, 6 }));

        Assert.Equal(new float[] { 11, 22, 33, 14, 25, 36 }, y);
        Assert.Equal("batch", session.Inputs[0].SymbolicDimensions[0]);
    }

    [Fact]
    public void MatMul_RandomWeights_MatchesManagedProduct()
    {
        const int n = 4, k = 16, m = 8;
        var weights = Seeded(1, k * m);
        var input = Seeded(2, n * k);
        var g = new GraphBuilder("matmul");
        var x = g.Input("x", OnnxDataType.Float, "batch", k);
        var w = g.Weights("w", [k, m], weights);
        g.Output(g.MatMul(x, w), OnnxDataType.Float, "batch", m);
        using var session = Load(g);

        var y = RunFloat(session, NamedTensor.Create<float>("x", [n, k], input));

        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < m; j++)
            {
                var expected = 0f;
                for (var t = 0; t < k; t++)
                {
                    expected += input[i * k + t] * weights[t * m + j];
                }

                Assert.Equal(expected, y[i * m + j], 4);
            }
        }
    }

    [Fact]
    public void Conv_PaddedStridedGrouped_MatchesDirectConvolution()
    {
        // 1 image, 4 channels of 7x7, 2 groups, 6 output channels, 3x3 kernel, stride 2, pad 1.
        const int c = 4, h = 7, wd = 7, groups = 2, outC = 6, k = 3, stride = 2, pad = 1;
        var input = Seeded(3, c * h * wd);
        var weights = Seeded(4, outC * (c / groups) * k * k);
        var bias = Seeded(5, outC);
        var g = new GraphBuilder("conv");
        var x = g.Input("x", OnnxDataType.Float, 1, c, h, wd);
        var y = g.Conv(x, g.Weights("w", [outC, c / groups, k, k], weights), g.Weights("b", [outC], bias), k, stride, pad, groups);
        const int oh = (h + 2 * pad - k) / stride + 1, ow = (wd + 2 * pad - k) / stride + 1;
        g.Output(y, OnnxDataType.Float, 1, outC, oh, ow);
        using var session = Load(g);

        var actual = RunFloat(session, NamedTensor.Create<float>("x", [1, c, h, wd], input));

        var perGroupIn = c / groups;
        var perGroupOut = outC / groups;
        for (var o = 0; o < outC; o++)
        {
            var group = o / perGroupOut;
            for (var oy = 0; oy < oh; oy++)
            {
                for (var ox = 0; ox < ow; ox++)
                {
                    var sum = bias[o];
                    for (var ci = 0; ci < perGroupIn; ci++)
                    {
                        for (var ky = 0; ky < k; ky++)
                        {
                            for (var kx = 0; kx < k; kx++)
                            {
                                var iy = oy * stride - pad + ky;
                                var ix = ox * stride - pad + kx;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= wd)
                                {
                                    continue;
                                }

                                var channel = group * perGroupIn + ci;
                                sum += input[(channel * h + iy) * wd + ix] * weights[((o * perGroupIn + ci) * k + ky) * k + kx];
                            }
                        }
                    }

                    Assert.Equal(sum, actual[(o * oh + oy) * ow + ox], 4);
                }
            }
        }
    }

    [Theory]
    [InlineData(true, 2f)]
    [InlineData(false, -1f)]
    public void If_RunsOnlyTheChosenBranch(bool condition, float expectedFactor)
    {
        var g = new GraphBuilder("gated");
        var c = g.Input("c", OnnxDataType.Bool);
        var x = g.Input("x", OnnxDataType.Float, "n");
        var two = g.Initializer(Tensors.ScalarFloat("two", 2f));
        var minusOne = g.Initializer(Tensors.ScalarFloat("minus_one", -1f));

        // Branches read the outer graph's x and constants by name (ONNX outer-scope references).
        var thenBranch = new GraphBuilder("then");
        thenBranch.AddNode("Mul", [x, two], ["then_out"]);
        thenBranch.Output("then_out", OnnxDataType.Float, "n");
        var elseBranch = new GraphBuilder("else");
        elseBranch.AddNode("Mul", [x, minusOne], ["else_out"]);
        elseBranch.Output("else_out", OnnxDataType.Float, "n");
        g.Output(g.If(c, thenBranch.Graph, elseBranch.Graph)[0], OnnxDataType.Float, "n");
        using var session = Load(g);

        var y = RunFloat(
            session,
            NamedTensor.Create<bool>("c", [], new[] { condition }),
            NamedTensor.Create<float>("x", [3], new float[] { 1, 2, 3 }));

        Assert.Equal(new[] { 1f, 2f, 3f }.Select(v => v * expectedFactor), y);
    }
}

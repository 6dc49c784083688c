using System.Text.Json;
using Serving.Models.Inspection;
using Serving.Models.Onnx;

namespace Serving.Models.Tests.Inspection;

/// <summary>The inspector's counts on small graphs, computed by hand from the layer formulas.</summary>
public sealed class ModelInspectorTests
{
    private static readonly Random Seeded = new(1);

    [Fact]
    public void Inspect_ConvolutionsAndProducts_CountsMultiplyAddsPerFormula()
    {
        var g = new GraphBuilder("convs");
        var x = g.Input("x", OnnxDataType.Float, "batch", 8, 16, 16);
        var dense = g.Conv(x, g.RandomWeights("w", [16, 8, 3, 3], Seeded, 0.1f), g.RandomWeights("b", [16], Seeded, 0.1f), 3, 2, 1);
        var grouped = g.Conv(dense, g.RandomWeights("w", [32, 4, 3, 3], Seeded, 0.1f), null, 3, 1, 1, group: 4);
        var depthwise = g.Conv(grouped, g.RandomWeights("w", [32, 1, 3, 3], Seeded, 0.1f), null, 3, 1, 1, group: 32);
        var normed = g.BatchNorm(depthwise, g.RandomWeights("s", [32], Seeded, 1f), g.RandomWeights("b", [32], Seeded, 1f), g.RandomWeights("m", [32], Seeded, 1f), g.RandomWeights("v", [32], Seeded, 1f));
        var flat = g.Flatten(g.GlobalAveragePool(g.Relu(normed)));
        var fc = g.Gemm(flat, g.RandomWeights("fc", [10, 32], Seeded, 0.1f), null);
        var product = g.MatMul(g.Reshape(fc, 0, 2, 5), g.RandomWeights("m", [5, 3], Seeded, 0.1f));
        g.Output(product, OnnxDataType.Float, "batch", 2, 3);

        var report = ModelInspector.Inspect(OnnxModel.Create(g), new Dictionary<string, long[]> { ["x"] = [2, 8, 16, 16] });

        long conv = 2 * 16 * 8 * 8 * 8 * 9, groupedConv = 2 * 32 * 8 * 8 * 4 * 9, depthwiseConv = 2 * 32 * 8 * 8 * 9, gemm = 2 * 32 * 10, matmul = 2 * 2 * 5 * 3;
        Assert.Equal(conv + groupedConv + depthwiseConv, report.PerOpType["Conv"].MultiplyAdds);
        Assert.Equal(3, report.PerOpType["Conv"].Nodes);
        Assert.Equal(conv + groupedConv + depthwiseConv + gemm + matmul, report.MultiplyAdds);
        Assert.Equal(0, report.PerOpType["BatchNormalization"].MultiplyAdds);
        Assert.Equal(new long[] { 2, 2, 3 }, report.OutputShapes[product]);
        long weights = 16 * 8 * 9 + 16 + 32 * 4 * 9 + 32 * 9 + 4 * 32 + 10 * 32 + 5 * 3;
        Assert.Equal(weights, report.Parameters);
        Assert.Equal(weights - 2 * 32, report.LearnableParameters);
    }

    [Fact]
    public void Inspect_PReluAsInRealFaceEmbedders_KeepsTheInputShape()
    {
        var g = new GraphBuilder("prelu");
        var x = g.Input("x", OnnxDataType.Float, "batch", 4, 6, 6);
        var y = g.Node("PRelu", [x, g.RandomWeights("slope", [4, 1, 1], Seeded, 0.1f)]);
        g.Output(y, OnnxDataType.Float, "batch", 4, 6, 6);

        var report = ModelInspector.Inspect(OnnxModel.Create(g));

        Assert.Equal(new long[] { 1, 4, 6, 6 }, report.OutputShapes[y]);
        Assert.Equal(4, report.Parameters);
    }

    [Fact]
    public void Inspect_If_ReportsCheapAndDearBranches()
    {
        var g = new GraphBuilder("gated");
        var x = g.Input("x", OnnxDataType.Float, "batch", 4, 8, 8);
        var condition = g.Greater(g.ReduceMax(x, false), g.Scalar("zero", 0f));
        var dear = new GraphBuilder("dear");
        var w = g.RandomWeights("w", [4, 4, 3, 3], Seeded, 0.1f);
        dear.AddNode("Conv", [x, w], ["dear_out"], Attr.Ints("kernel_shape", 3, 3), Attr.Ints("pads", 1, 1, 1, 1));
        dear.Output("dear_out", OnnxDataType.Float, "batch", 4, 8, 8);
        var cheap = new GraphBuilder("cheap");
        cheap.AddNode("Identity", [x], ["cheap_out"]);
        cheap.Output("cheap_out", OnnxDataType.Float, "batch", 4, 8, 8);
        g.Output(g.If(condition, dear.Graph, cheap.Graph)[0], OnnxDataType.Float, "batch", 4, 8, 8);

        var report = ModelInspector.Inspect(OnnxModel.Create(g));

        Assert.Equal(0, report.MultiplyAddsMin);
        Assert.Equal(4 * 8 * 8 * 4 * 9, report.MultiplyAddsMax);
        Assert.Equal(1, report.ConditionalNodes);
        Assert.Equal(new long[] { 1, 4 }, report.InputShapes["x"][..2]);
    }

    [Fact]
    public void Inspect_UnsupportedOperator_NamesIt()
    {
        var g = new GraphBuilder("odd");
        var x = g.Input("x", OnnxDataType.Float, 1, 4);
        g.Output(g.Node("Einsum", [x, x], Attr.String("equation", "ij,ij->i")), OnnxDataType.Float, 1);

        var error = Assert.Throws<NotSupportedException>(() => ModelInspector.Inspect(OnnxModel.Create(g)));

        Assert.Contains("Einsum", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_TextAndJson_CarryTheCounts()
    {
        var g = new GraphBuilder("fc");
        var x = g.Input("x", OnnxDataType.Float, "batch", 6);
        g.Output(g.Gemm(x, g.RandomWeights("w", [4, 6], Seeded, 0.1f), g.RandomWeights("b", [4], Seeded, 0.1f)), OnnxDataType.Float, "batch", 4);
        var report = ModelInspector.Inspect(OnnxModel.Create(g));

        var text = ModelReportFormat.ToText(report, "fc.onnx");
        using var json = JsonDocument.Parse(ModelReportFormat.ToJson(report, "fc.onnx"));

        Assert.Contains("multiply-adds  24 ", text, StringComparison.Ordinal);
        Assert.Contains("parameters     28 learnable", text, StringComparison.Ordinal);
        Assert.Equal(28, json.RootElement.GetProperty("parameters").GetInt64());
        Assert.Equal(24, json.RootElement.GetProperty("multiply_adds").GetInt64());
        Assert.Equal(24, json.RootElement.GetProperty("per_op_type").GetProperty("Gemm").GetProperty("multiply_adds").GetInt64());
    }
}

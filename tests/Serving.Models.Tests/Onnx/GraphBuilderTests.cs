using Google.Protobuf;
using Serving.Models.Onnx;
using Serving.Models.Onnx.Proto;

namespace Serving.Models.Tests.Onnx;

public sealed class GraphBuilderTests
{
    [Fact]
    public void Fresh_SameHintTwice_GivesDistinctNames()
    {
        var g = new GraphBuilder("g");
        var x = g.Input("add", OnnxDataType.Float, 1);

        var a = g.Add(x, x);
        var b = g.Add(a, x);

        Assert.Equal(3, new[] { x, a, b }.Distinct().Count());
    }

    [Fact]
    public void Reserve_NameLaterDefinedByNodeOrInput_IsNeverGeneratedMeanwhile()
    {
        var g = new GraphBuilder("g");
        g.Reserve("relu");
        g.Reserve("x");

        var x = g.Input("x", OnnxDataType.Float, 1);
        var generated = g.Relu(x);
        g.AddNode("Relu", [generated], ["relu"]);

        Assert.NotEqual("relu", generated);
        Assert.Equal(["relu"], g.Graph.Node[^1].Output);
        Assert.Throws<ArgumentException>(() => g.Input("x", OnnxDataType.Float, 1));
    }

    [Fact]
    public void Input_DuplicateName_IsRefused()
    {
        var g = new GraphBuilder("g");
        g.Input("x", OnnxDataType.Float, 1);

        var error = Assert.Throws<ArgumentException>(() => g.Input("x", OnnxDataType.Float, 1));
        Assert.Contains("'x'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tensor_DataNotMatchingShape_IsRefusedNamingTheTensor()
    {
        var error = Assert.Throws<ArgumentException>(() => Tensors.Float("w", [2, 3], new float[5]));
        Assert.Contains("'w'", error.Message, StringComparison.Ordinal);
        Assert.Contains("6", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RandomWeights_SameSeed_SameValues()
    {
        var a = Tensors.RandomFloat("w", [4, 4], new Random(7), 0.5f);
        var b = Tensors.RandomFloat("w", [4, 4], new Random(7), 0.5f);
        var c = Tensors.RandomFloat("w", [4, 4], new Random(8), 0.5f);

        Assert.Equal(a.RawData, b.RawData);
        Assert.NotEqual(a.RawData, c.RawData);
    }

    [Fact]
    public void Input_SymbolicAndFixedDims_AreWrittenAsTheFormatSays()
    {
        var g = new GraphBuilder("g");
        g.Input("x", OnnxDataType.Float, "batch", 3);

        var shape = g.Graph.Input[0].Type.TensorType.Shape;
        Assert.Equal("batch", shape.Dim[0].DimParam);
        Assert.Equal(TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue, shape.Dim[1].ValueCase);
        Assert.Equal(3, shape.Dim[1].DimValue);
    }

    [Fact]
    public void IntAttributeOfZero_IsStillWritten()
    {
        // proto2 presence: an INT attribute with value 0 must reach the file, or a reader that
        // checks for the field would see it as missing.
        var attribute = Attr.Int("axis", 0);
        var parsed = AttributeProto.Parser.ParseFrom(attribute.ToByteArray());

        Assert.True(parsed.HasI);
        Assert.Equal(AttributeProto.Types.AttributeType.Int, parsed.Type);
    }

    [Fact]
    public void SaveLoad_KeepsFieldsTheSchemaSubsetDoesNotDeclare()
    {
        var g = new GraphBuilder("g");
        var x = g.Input("x", OnnxDataType.Float, 1);
        g.Output(g.Relu(x), OnnxDataType.Float, 1);
        var model = OnnxModel.Create(g);
        // Field 25 of ModelProto (functions) is not in our subset: append one as raw wire bytes
        // (tag (25 << 3) | 2 = 202 as a varint, length 2, a FunctionProto with an empty name).
        var bytes = model.ToBytes().Concat(new byte[] { 0xCA, 0x01, 2, 0x0A, 0x00 }).ToArray();
        var path = Path.Combine(Path.GetTempPath(), $"serving-roundtrip-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxModel.Parse(bytes).Save(path);
            var reread = File.ReadAllBytes(path);

            Assert.Equal(bytes.Length, reread.Length);
            Assert.Equal("g", OnnxModel.Load(path).Graph.Name);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void If_BranchesWithDifferentOutputCounts_IsRefused()
    {
        var g = new GraphBuilder("g");
        var c = g.Input("c", OnnxDataType.Bool);
        var one = new GraphBuilder("then");
        one.Output("a", OnnxDataType.Float, 1);
        var two = new GraphBuilder("else");
        two.Output("a", OnnxDataType.Float, 1);
        two.Output("b", OnnxDataType.Float, 1);

        Assert.Throws<ArgumentException>(() => g.If(c, one.Graph, two.Graph));
    }
}

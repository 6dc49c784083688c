using System.Text;

namespace Serving.OnnxRuntime.Tests.Infrastructure;

/// <summary>
/// Writes the few ONNX protobuf messages the tests need (model, graph, node, value info, tensor,
/// graph/int attributes), so that tests can build small models with exactly the types, symbolic
/// dimensions and run time they need. Field numbers are those of onnx.proto.
/// </summary>
internal static class TinyOnnx
{
    public const int OpsetVersion = 17;

    /// <summary>A model that returns its input: x -> Identity -> y, with x of <paramref name="type"/> and shape ["n"].</summary>
    public static byte[] IdentityModel(TensorElementType type) =>
        Model(Graph(
            "identity",
            nodes: [Node("Identity", ["x"], ["y"])],
            inputs: [ValueInfo("x", type, "n")],
            outputs: [ValueInfo("y", type, "n")]));

    /// <summary>
    /// y = Tanh(...Tanh(Tanh(x W) W)... W) applied <c>steps</c> times through an ONNX Loop: a model whose run
    /// time the caller chooses with its INT64 input, for cancellation tests. x: FP32 [1, size]; W: [size, size].
    /// </summary>
    public static byte[] LoopModel(float[] weights, int size)
    {
        byte[] body = Graph(
            "body",
            nodes:
            [
                Node("MatMul", ["x_in", "W"], ["mm"]),
                Node("Tanh", ["mm"], ["x_out"]),
                Node("Identity", ["cond_in"], ["cond_out"]),
            ],
            inputs: [ValueInfo("i", TensorElementType.Int64), ValueInfo("cond_in", TensorElementType.Bool), ValueInfo("x_in", TensorElementType.Float, 1L, size)],
            outputs: [ValueInfo("cond_out", TensorElementType.Bool), ValueInfo("x_out", TensorElementType.Float, 1L, size)]);
        return Model(Graph(
            "loop",
            nodes: [Node("Loop", ["steps", "", "x"], ["y"], GraphAttribute("body", body))],
            inputs: [ValueInfo("steps", TensorElementType.Int64), ValueInfo("x", TensorElementType.Float, 1L, size)],
            outputs: [ValueInfo("y", TensorElementType.Float, 1L, size)],
            initializers: [FloatTensor("W", [size, size], weights)]));
    }

    private static byte[] Model(byte[] graph)
    {
        var w = new Writer();
        w.Varint(1, 8); // ir_version
        w.String(2, "Serving.OnnxRuntime.Tests");
        w.Bytes(7, graph);
        var opset = new Writer();
        opset.String(1, "");
        opset.Varint(2, OpsetVersion);
        w.Bytes(8, opset.ToArray());
        return w.ToArray();
    }

    private static byte[] Graph(string name, byte[][] nodes, byte[][] inputs, byte[][] outputs, byte[][]? initializers = null)
    {
        var w = new Writer();
        foreach (byte[] node in nodes)
        {
            w.Bytes(1, node);
        }

        w.String(2, name);
        foreach (byte[] initializer in initializers ?? [])
        {
            w.Bytes(5, initializer);
        }

        foreach (byte[] input in inputs)
        {
            w.Bytes(11, input);
        }

        foreach (byte[] output in outputs)
        {
            w.Bytes(12, output);
        }

        return w.ToArray();
    }

    private static byte[] Node(string opType, string[] inputs, string[] outputs, params byte[][] attributes)
    {
        var w = new Writer();
        foreach (string input in inputs)
        {
            w.String(1, input);
        }

        foreach (string output in outputs)
        {
            w.String(2, output);
        }

        w.String(4, opType);
        foreach (byte[] attribute in attributes)
        {
            w.Bytes(5, attribute);
        }

        return w.ToArray();
    }

    private static byte[] GraphAttribute(string name, byte[] graph)
    {
        var w = new Writer();
        w.String(1, name);
        w.Bytes(6, graph);
        w.Varint(20, 5); // AttributeType.GRAPH
        return w.ToArray();
    }

    /// <summary>A tensor value info; each dimension is a long (fixed) or a string (symbolic).</summary>
    private static byte[] ValueInfo(string name, TensorElementType type, params object[] dims)
    {
        var shape = new Writer();
        foreach (object dim in dims)
        {
            var d = new Writer();
            if (dim is string symbol)
            {
                d.String(2, symbol);
            }
            else
            {
                d.Varint(1, Convert.ToInt64(dim, System.Globalization.CultureInfo.InvariantCulture));
            }

            shape.Bytes(1, d.ToArray());
        }

        var tensor = new Writer();
        tensor.Varint(1, (int)type);
        tensor.Bytes(2, shape.ToArray());
        var typeProto = new Writer();
        typeProto.Bytes(1, tensor.ToArray());
        var w = new Writer();
        w.String(1, name);
        w.Bytes(2, typeProto.ToArray());
        return w.ToArray();
    }

    private static byte[] FloatTensor(string name, long[] dims, float[] values)
    {
        var w = new Writer();
        foreach (long d in dims)
        {
            w.Varint(1, d);
        }

        w.Varint(2, (int)TensorElementType.Float);
        w.String(8, name);
        var raw = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, raw, 0, raw.Length);
        w.Bytes(9, raw);
        return w.ToArray();
    }

    private sealed class Writer
    {
        private readonly MemoryStream _stream = new();

        public void Varint(int field, long value)
        {
            Tag(field, 0);
            WriteVarint((ulong)value);
        }

        public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public void Bytes(int field, byte[] value)
        {
            Tag(field, 2);
            WriteVarint((ulong)value.Length);
            _stream.Write(value);
        }

        public byte[] ToArray() => _stream.ToArray();

        private void Tag(int field, int wireType) => WriteVarint((ulong)((field << 3) | wireType));

        private void WriteVarint(ulong value)
        {
            while (value >= 0x80)
            {
                _stream.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }

            _stream.WriteByte((byte)value);
        }
    }
}

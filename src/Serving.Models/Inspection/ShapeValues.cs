using Serving.Models.Onnx.Proto;

namespace Serving.Models.Inspection;

/// <summary>
/// Folds the small integer computations exported graphs do on shapes (Shape, Gather, Unsqueeze,
/// Concat, Cast, Slice and elementwise arithmetic of known vectors), so the inspector knows the
/// target of a Reshape built at run time. Unknown inputs leave the value unknown (null).
/// </summary>
internal static class ShapeValues
{
    public static long[]? Evaluate(NodeProto node, Func<string, long[]> shapeOf, Func<string, long[]?> intsOf)
    {
        long[]? Input(int i) => i < node.Input.Count && node.Input[i].Length > 0 ? intsOf(node.Input[i]) : null;
        switch (node.OpType)
        {
            case "Shape":
                return shapeOf(node.Input[0]);
            case "Cast" or "Identity" or "Squeeze" or "Unsqueeze" or "Reshape" or "Flatten":
                return Input(0);
            case "Gather" when Input(0) is { } data && Input(1) is { } indices:
                return indices.Select(i => data[i < 0 ? i + data.Length : i]).ToArray();
            case "Concat" when node.Input.Select(n => intsOf(n)).ToArray() is var parts && parts.All(p => p is not null):
                return parts.SelectMany(p => p!).ToArray();
            case "Slice" when Input(0) is { } vector && Input(1) is { } starts && Input(2) is { } ends:
                var length = vector.Length;
                var start = Math.Clamp(starts[0] < 0 ? starts[0] + length : starts[0], 0, length);
                var end = Math.Clamp(ends[0] < 0 ? ends[0] + length : ends[0], 0, length);
                return vector[(int)start..(int)Math.Max(start, end)];
            case "Add" or "Sub" or "Mul" or "Div" when Input(0) is { } a && Input(1) is { } b && (a.Length == b.Length || a.Length == 1 || b.Length == 1):
                var n = Math.Max(a.Length, b.Length);
                return Enumerable.Range(0, n).Select(i =>
                {
                    var x = a[a.Length == 1 ? 0 : i];
                    var y = b[b.Length == 1 ? 0 : i];
                    return node.OpType switch { "Add" => x + y, "Sub" => x - y, "Mul" => x * y, _ => y == 0 ? 0 : x / y };
                }).ToArray();
            default:
                return null;
        }
    }
}

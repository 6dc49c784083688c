using Serving.Models.Onnx;
using Serving.Models.Onnx.Proto;
using Serving.OnnxRuntime;

namespace Serving.Worker.Repository.Tools;

/// <summary>
/// Makes a model with a fixed batch dimension of 1 batchable: rewrites the first dimension of every
/// graph input and output to a symbolic <c>batch</c>, then proves the graph allows it by comparing
/// batch-N outputs with N batch-1 runs of the original.
/// </summary>
/// <remarks>
/// Intermediate shape annotations (value_info) are dropped because they still say 1; ONNX Runtime
/// infers them again. A Reshape whose constant target shape starts with 1 (e.g. the face model's
/// final [1, -1]) gets 0 there instead, which copies the input's batch dimension. A graph that
/// still hard-codes the batch fails the check (wrong output shape or values), and the rewritten
/// file is deleted.
/// </remarks>
public static class BatchDimensionRewriter
{
    /// <summary>The symbolic name given to the batch dimension.</summary>
    public const string BatchSymbol = "batch";

    /// <summary>Rewrites <paramref name="sourcePath"/> into <paramref name="targetPath"/> and verifies it; returns the largest absolute difference seen.</summary>
    /// <exception cref="InvalidOperationException">The graph does not batch: outputs differ by more than <paramref name="tolerance"/>.</exception>
    public static double Rewrite(string sourcePath, string targetPath, int verifyBatchSize = 4, double tolerance = 1e-4, int seed = 1234)
    {
        var model = OnnxModel.Load(sourcePath);
        foreach (var value in model.Graph.Input.Concat(model.Graph.Output))
        {
            var dims = value.Type?.TensorType?.Shape?.Dim;
            if (dims is null || dims.Count == 0)
            {
                throw new InvalidOperationException($"'{value.Name}' has no shape: cannot give it a batch dimension");
            }

            if (dims[0].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && dims[0].DimValue != 1)
            {
                throw new InvalidOperationException($"'{value.Name}' has a fixed first dimension {dims[0].DimValue}, not 1");
            }

            dims[0] = new TensorShapeProto.Types.Dimension { DimParam = BatchSymbol };
        }

        model.Graph.ValueInfo.Clear();
        FreeReshapeBatch(model.Graph);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(targetPath))!);
        model.Save(targetPath);
        try
        {
            return Verify(sourcePath, targetPath, verifyBatchSize, tolerance, seed);
        }
        catch
        {
            File.Delete(targetPath);
            throw;
        }
    }

    private static void FreeReshapeBatch(GraphProto graph)
    {
        var initializers = graph.Initializer.ToDictionary(i => i.Name, StringComparer.Ordinal);
        foreach (var node in graph.Node.Where(n => n.OpType == "Reshape" && n.Input.Count >= 2))
        {
            if (!initializers.TryGetValue(node.Input[1], out var shape) || shape.DataType != (int)OnnxDataType.Int64 || shape.Dims.Count != 1 || shape.Dims[0] < 1)
            {
                continue;
            }

            if (shape.RawData.Length >= 8)
            {
                var raw = shape.RawData.ToByteArray();
                if (BitConverter.ToInt64(raw, 0) == 1)
                {
                    BitConverter.TryWriteBytes(raw.AsSpan(0, 8), 0L);
                    shape.RawData = Google.Protobuf.ByteString.CopyFrom(raw);
                }
            }
            else if (shape.Int64Data.Count > 0 && shape.Int64Data[0] == 1)
            {
                shape.Int64Data[0] = 0;
            }
        }
    }

    private static double Verify(string sourcePath, string targetPath, int n, double tolerance, int seed)
    {
        using var single = InferenceSession.Create(sourcePath);
        using var batched = InferenceSession.Create(targetPath);
        var random = new Random(seed);
        var inputs = single.Inputs.Select(input =>
        {
            if (input.ElementType != TensorElementType.Float)
            {
                throw new InvalidOperationException($"input '{input.Name}' is {input.ElementType}: only FP32 inputs are verified");
            }

            var perItem = (int)TensorElementTypes.ElementCount(input.Shape.ToArray());
            var data = new float[perItem * n];
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = (float)(random.NextDouble() * 2 - 1);
            }

            return (input, perItem, data);
        }).ToArray();

        var batchedInputs = inputs.Select(x => NamedTensor.Create<float>(x.input.Name, [n, .. x.input.Shape.Skip(1)], x.data)).ToArray();
        using var all = batched.Run(batchedInputs);
        double worst = 0;
        for (var b = 0; b < n; b++)
        {
            var oneInputs = inputs.Select(x => NamedTensor.Create<float>(x.input.Name, x.input.Shape.ToArray(), x.data.AsMemory(b * x.perItem, x.perItem))).ToArray();
            using var one = single.Run(oneInputs);
            for (var o = 0; o < one.Count; o++)
            {
                var expected = one[o].GetSpan<float>();
                var actual = all[o].GetSpan<float>();
                if (all[o].Shape.Length == 0 || all[o].Shape[0] != n)
                {
                    throw new InvalidOperationException($"output '{one[o].Name}' has shape [{string.Join(",", all[o].Shape)}] at batch {n}: the graph does not batch");
                }

                if (actual.Length != expected.Length * n)
                {
                    throw new InvalidOperationException($"output '{one[o].Name}' has {actual.Length} elements at batch {n}, expected {expected.Length * n}");
                }

                var slice = actual.Slice(b * expected.Length, expected.Length);
                for (var i = 0; i < expected.Length; i++)
                {
                    worst = Math.Max(worst, Math.Abs(expected[i] - slice[i]));
                }
            }
        }

        if (worst > tolerance)
        {
            throw new InvalidOperationException($"batch {n} outputs differ from batch-1 outputs by up to {worst:G3} (tolerance {tolerance:G3}): the graph does not batch");
        }

        return worst;
    }
}

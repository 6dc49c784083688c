using System.Globalization;
using System.Runtime.InteropServices;
using Serving.OnnxRuntime;

namespace Serving.Models.Profiling;

/// <summary>Seeded random inputs matching a session's signature, for timing runs.</summary>
public static class RandomInputs
{
    /// <summary>
    /// One tensor per input; free dimensions take <paramref name="batchSize"/> when they lead the
    /// shape (the batch dimension) and 1 elsewhere. Floats in [-1, 1] (the normalised pixel range of
    /// our models), small non-negative integers (plausible indices and sizes), strings "0".."n".
    /// </summary>
    public static NamedTensor[] For(InferenceSession session, long batchSize, Random random)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(random);
        return session.Inputs.Select(input => Tensor(input, batchSize, random)).ToArray();
    }

    private static NamedTensor Tensor(TensorMetadata input, long batchSize, Random random)
    {
        if (!input.IsTensor)
        {
            throw new NotSupportedException($"input '{input.Name}' is not a tensor; only tensor inputs can be timed");
        }

        var shape = input.Shape.Select((d, i) => d >= 0 ? d : i == 0 ? batchSize : 1).ToArray();
        var count = checked((int)TensorElementTypes.ElementCount(shape));
        if (input.ElementType == TensorElementType.String)
        {
            return NamedTensor.FromStrings(input.Name, shape, Enumerable.Range(0, count).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray());
        }

        var bytes = new byte[count * input.ElementType.ElementSize()];
        if (input.ElementType is TensorElementType.Float)
        {
            var floats = MemoryMarshal.Cast<byte, float>(bytes.AsSpan());
            for (var i = 0; i < floats.Length; i++)
            {
                floats[i] = (float)(random.NextDouble() * 2 - 1);
            }
        }
        else if (input.ElementType is not TensorElementType.Bool)
        {
            for (var i = 0; i < bytes.Length; i += input.ElementType.ElementSize())
            {
                bytes[i] = (byte)random.Next(0, 4);
            }
        }

        return new NamedTensor(input.Name, input.ElementType, shape, bytes);
    }
}

namespace Serving.Models.TfJs;

/// <summary>
/// Layout arithmetic between TensorFlow (NHWC, HWIO filters) and ONNX (NCHW, OIHW filters),
/// and TF's padding rules (SAME pads the extra pixel at the end, ONNX pads must be explicit).
/// </summary>
internal static class TfLayout
{
    /// <summary>NHWC -> NCHW as a Transpose perm.</summary>
    public static readonly long[] ToNchw = [0, 3, 1, 2];

    /// <summary>NCHW -> NHWC as a Transpose perm.</summary>
    public static readonly long[] ToNhwc = [0, 2, 3, 1];

    /// <summary>Where an NHWC axis lives in NCHW.</summary>
    public static int NchwAxis(int nhwcAxis) => nhwcAxis switch { 0 => 0, 1 => 2, 2 => 3, 3 => 1, _ => throw new ArgumentOutOfRangeException(nameof(nhwcAxis)) };

    /// <summary>Transposes a dense row-major array: result dimension i is source dimension perm[i].</summary>
    public static float[] Permute(float[] data, int[] shape, int[] perm, out int[] permutedShape)
    {
        var rank = shape.Length;
        permutedShape = perm.Select(p => shape[p]).ToArray();
        var sourceStrides = new int[rank];
        for (int i = rank - 1, stride = 1; i >= 0; i--)
        {
            sourceStrides[i] = stride;
            stride *= shape[i];
        }

        var result = new float[data.Length];
        var index = new int[rank];
        for (var flat = 0; flat < result.Length; flat++)
        {
            var source = 0;
            for (var i = 0; i < rank; i++)
            {
                source += index[i] * sourceStrides[perm[i]];
            }

            result[flat] = data[source];
            for (var i = rank - 1; i >= 0; i--)
            {
                if (++index[i] < permutedShape[i])
                {
                    break;
                }

                index[i] = 0;
            }
        }

        return result;
    }

    /// <summary>
    /// Output size and explicit pads of one spatial dimension of a TF convolution or pooling.
    /// SAME: out = ceil(in / stride) and the total padding needed is split with the odd pixel
    /// at the end (TF's rule; ONNX's symmetric "pads" would shift the result by one pixel).
    /// </summary>
    public static (int Out, int Before, int After) Spatial(int input, int kernel, int stride, int dilation, string padding, int explicitBefore = 0, int explicitAfter = 0)
    {
        var effective = (kernel - 1) * dilation + 1;
        switch (padding)
        {
            case "SAME":
                var output = (input + stride - 1) / stride;
                var total = Math.Max((output - 1) * stride + effective - input, 0);
                return (output, total / 2, total - total / 2);
            case "VALID":
                return ((input - effective) / stride + 1, 0, 0);
            case "EXPLICIT":
                return ((input + explicitBefore + explicitAfter - effective) / stride + 1, explicitBefore, explicitAfter);
            default:
                throw new ArgumentException($"padding '{padding}' is not SAME, VALID or EXPLICIT", nameof(padding));
        }
    }

    /// <summary>NumPy/TF broadcasting of two shapes (-1 = unknown).</summary>
    public static int[] Broadcast(int[] a, int[] b)
    {
        var rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (var i = 0; i < rank; i++)
        {
            var da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            var db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            result[i] = da == 1 ? db : db == 1 ? da : da == -1 ? db : da;
        }

        return result;
    }
}

namespace Serving.Models.TfJs;

/// <summary>
/// A constant of the TF.js model after dequantisation, in TensorFlow's layout (NHWC, HWIO
/// filters). Numbers are held as float whatever the stored dtype: the importer uses integer
/// constants only for small shape-like values (sizes, axes, paddings), which float holds exactly.
/// </summary>
internal sealed record TfTensor(string Name, int[] Shape, float[] Data, bool IsInteger)
{
    public int Rank => Shape.Length;

    /// <summary>The values as integers (sizes, axes, paddings).</summary>
    public long[] AsInt64() => Array.ConvertAll(Data, v => (long)MathF.Round(v));
}

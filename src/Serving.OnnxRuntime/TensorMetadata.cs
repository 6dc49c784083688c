namespace Serving.OnnxRuntime;

/// <summary>A model input or output as the session sees it.</summary>
public sealed class TensorMetadata
{
    internal TensorMetadata(string name, bool isTensor, TensorElementType elementType, long[] shape, string[] symbolicDimensions)
    {
        Name = name;
        IsTensor = isTensor;
        ElementType = elementType;
        Shape = shape;
        SymbolicDimensions = symbolicDimensions;
    }

    public string Name { get; }

    /// <summary>False for sequences, maps and optional types, which this binding does not run.</summary>
    public bool IsTensor { get; }

    public TensorElementType ElementType { get; }

    /// <summary>Dimensions; -1 where the model leaves a dimension free (symbolic or unknown).</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>Per dimension, the symbolic name ("batch", "N"), or "" for fixed or unnamed dimensions.</summary>
    public IReadOnlyList<string> SymbolicDimensions { get; }

    public override string ToString()
    {
        IEnumerable<string> dims = Shape.Select((d, i) => d >= 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : SymbolicDimensions[i].Length > 0 ? SymbolicDimensions[i] : "?");
        return $"{Name}: {ElementType}[{string.Join(",", dims)}]";
    }
}

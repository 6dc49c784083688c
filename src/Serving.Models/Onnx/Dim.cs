namespace Serving.Models.Onnx;

/// <summary>One dimension of a tensor shape in a graph signature: a fixed size or a symbolic name.</summary>
public readonly record struct Dim
{
    private Dim(long value, string? symbol)
    {
        Value = value;
        Symbol = symbol;
    }

    /// <summary>The fixed size, or -1 when the dimension is symbolic.</summary>
    public long Value { get; }

    /// <summary>The symbolic name (e.g. "batch"), or null when the dimension is fixed.</summary>
    public string? Symbol { get; }

    public bool IsSymbolic => Symbol is not null;

    public static Dim Fixed(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        return new Dim(value, null);
    }

    public static Dim Symbolic(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new Dim(-1, name);
    }

    public static implicit operator Dim(long value) => Fixed(value);

    public static implicit operator Dim(int value) => Fixed(value);

    public static implicit operator Dim(string symbol) => Symbolic(symbol);

    public override string ToString() => Symbol ?? Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

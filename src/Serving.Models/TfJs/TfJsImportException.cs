namespace Serving.Models.TfJs;

/// <summary>
/// A TF.js graph model that the importer cannot translate faithfully (an unsupported op or
/// attribute, a malformed manifest). The message names the node and op so the user knows exactly
/// which part of their model needs support, instead of getting a subtly wrong ONNX model.
/// </summary>
public sealed class TfJsImportException : Exception
{
    public TfJsImportException(string message)
        : base(message)
    {
    }

    public TfJsImportException(string message, Exception inner)
        : base(message, inner)
    {
    }

    internal static TfJsImportException ForNode(TfNode node, string problem) =>
        new($"TF.js node '{node.Name}' (op {node.Op}): {problem}");
}

using System.Text.Json;

namespace Serving.Models.TfJs;

/// <summary>
/// A parsed TF.js graph model: the GraphDef nodes of <c>modelTopology</c>, the dequantised
/// weights of <c>weightsManifest</c>, and the output names of the signature (when present).
/// </summary>
internal sealed class TfJsGraphModel
{
    private TfJsGraphModel(IReadOnlyList<TfNode> nodes, IReadOnlyDictionary<string, TfTensor> weights, IReadOnlyList<string> outputs)
    {
        Nodes = nodes;
        Weights = weights;
        SignatureOutputs = outputs;
    }

    public IReadOnlyList<TfNode> Nodes { get; }

    public IReadOnlyDictionary<string, TfTensor> Weights { get; }

    /// <summary>Output node names from <c>signature.outputs</c>, or empty when the file has none.</summary>
    public IReadOnlyList<string> SignatureOutputs { get; }

    /// <summary>Parses <paramref name="json"/>; <paramref name="readShard"/> returns the bytes of a path of <c>weightsManifest[].paths</c>.</summary>
    public static TfJsGraphModel Parse(string json, Func<string, byte[]> readShard)
    {
        ArgumentNullException.ThrowIfNull(readShard);
        using var doc = ParseDocument(json);
        var root = doc.RootElement;
        if (root.TryGetProperty("format", out var format) && format.GetString() != "graph-model")
        {
            throw new TfJsImportException($"not a TF.js graph model: format is '{format.GetString()}' (layers models are not supported)");
        }

        if (!root.TryGetProperty("modelTopology", out var topology) || !topology.TryGetProperty("node", out var nodeArray))
        {
            throw new TfJsImportException("not a TF.js graph model: no modelTopology.node");
        }

        var nodes = nodeArray.EnumerateArray().Select(TfNode.Parse).ToList();
        var weights = new Dictionary<string, TfTensor>(StringComparer.Ordinal);
        if (root.TryGetProperty("weightsManifest", out var manifest))
        {
            foreach (var group in manifest.EnumerateArray())
            {
                TfJsWeights.ReadGroup(group, readShard, weights);
            }
        }

        var outputs = new List<string>();
        if (root.TryGetProperty("signature", out var signature) && signature.TryGetProperty("outputs", out var outs))
        {
            foreach (var output in outs.EnumerateObject())
            {
                var name = output.Value.TryGetProperty("name", out var n) ? n.GetString() ?? output.Name : output.Name;
                outputs.Add(name.EndsWith(":0", StringComparison.Ordinal) ? name[..^2] : name);
            }
        }

        return new TfJsGraphModel(nodes, weights, outputs);
    }

    private static JsonDocument ParseDocument(string json)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new TfJsImportException("the TF.js model is not valid JSON: " + e.Message, e);
        }
    }
}

using Serving.Models.Onnx;
using Serving.Models.Onnx.Proto;

namespace Serving.Models.TfJs;

/// <summary>
/// Imports a TF.js graph model (<c>model.json</c> + weight shards) as an ONNX model with the same
/// external signature (NHWC in, NHWC out, symbolic batch), so the real TF.js models on the package
/// registries can be served by ONNX Runtime like every other variant.
/// </summary>
public static class TfJsImporter
{
    /// <summary>Imports the model at <paramref name="modelJsonPath"/>; shards are read beside it.</summary>
    public static ModelProto ImportFile(string modelJsonPath)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(modelJsonPath))!;
        var name = Path.GetFileNameWithoutExtension(modelJsonPath);
        return Import(File.ReadAllText(modelJsonPath), shard => ReadShard(directory, shard), name);
    }

    /// <summary>Imports from JSON text; <paramref name="readShard"/> returns the bytes of a manifest path.</summary>
    public static ModelProto Import(string modelJson, Func<string, byte[]> readShard, string graphName)
    {
        ArgumentNullException.ThrowIfNull(modelJson);
        var model = TfJsGraphModel.Parse(modelJson, readShard);
        var graph = new TfJsConverter(model, graphName).Convert();
        return OnnxModel.Create(graph, metadata: new Dictionary<string, string> { ["source"] = "tfjs-graph-model", ["layout"] = "NHWC" });
    }

    private static byte[] ReadShard(string directory, string shard)
    {
        var path = Path.GetFullPath(Path.Combine(directory, shard));
        if (!path.StartsWith(directory + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new TfJsImportException($"weight shard '{shard}' lies outside the model's folder");
        }

        return File.Exists(path) ? File.ReadAllBytes(path) : throw new TfJsImportException($"weight shard '{shard}' not found beside the model ({path})");
    }
}

using Google.Protobuf;
using Serving.Models.Onnx.Proto;

namespace Serving.Models.Onnx;

/// <summary>Wraps a finished graph into a model file and reads model files back.</summary>
public static class OnnxModel
{
    /// <summary>The IR version we write: 8 (ONNX 1.10+) is read by every runtime we target.</summary>
    public const long IrVersion = 8;

    /// <summary>The default opset of the standard domain we write (ONNX 1.12; ONNX Runtime 1.30 supports up to 21+).</summary>
    public const long DefaultOpset = 17;

    public static ModelProto Create(GraphBuilder graph, long opset = DefaultOpset, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "serving",
            ProducerVersion = typeof(OnnxModel).Assembly.GetName().Version?.ToString() ?? "0",
            Graph = graph.Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        if (metadata is not null)
        {
            foreach (var (key, value) in metadata)
            {
                model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
            }
        }

        return model;
    }

    public static byte[] ToBytes(this ModelProto model) => MessageExtensions.ToByteArray(model);

    /// <summary>Writes the model atomically (temp file + rename) so readers never see half a file.</summary>
    public static void Save(this ModelProto model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var temp = path + ".tmp-" + Environment.ProcessId;
        using (var stream = File.Create(temp))
        {
            model.WriteTo(stream);
        }

        File.Move(temp, path, overwrite: true);
    }

    public static ModelProto Load(string path) => ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));

    public static ModelProto Parse(ReadOnlySpan<byte> bytes) => ModelProto.Parser.ParseFrom(bytes);
}

using System.Text;
using System.Text.Json.Nodes;
using Serving.Models.TfJs;
using Serving.OnnxRuntime;
using Serving.Models.Onnx;

namespace Serving.Models.Tests.TfJs;

/// <summary>
/// Writes small TF.js graph models by hand (GraphDef JSON + one weight shard), the way the TF.js
/// converter lays them out, so importer tests control every op, attribute and storage format.
/// </summary>
internal sealed class TinyTfJsModel
{
    private readonly JsonArray _nodes = [];
    private readonly JsonArray _weights = [];
    private readonly MemoryStream _shard = new();

    public string Output { get; set; } = "";

    public TinyTfJsModel Placeholder(string name, params int[] shape)
    {
        var dims = new JsonArray(shape.Select(d => (JsonNode)new JsonObject { ["size"] = d.ToString(System.Globalization.CultureInfo.InvariantCulture) }).ToArray());
        return Node(name, "Placeholder", [], new JsonObject
        {
            ["dtype"] = new JsonObject { ["type"] = "DT_FLOAT" },
            ["shape"] = new JsonObject { ["shape"] = new JsonObject { ["dim"] = dims } },
        });
    }

    /// <summary>A float constant stored as float32, or quantised ("float16", "uint8", "uint16"); returns the values the importer must see.</summary>
    public float[] Const(string name, int[] shape, float[] values, string storage = "float32")
    {
        var entry = new JsonObject { ["name"] = name, ["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray()), ["dtype"] = "float32" };
        var dequantised = (float[])values.Clone();
        switch (storage)
        {
            case "float32":
                foreach (var v in values)
                {
                    _shard.Write(BitConverter.GetBytes(v));
                }

                break;
            case "float16":
                for (var i = 0; i < values.Length; i++)
                {
                    var half = (Half)values[i];
                    _shard.Write(BitConverter.GetBytes(half));
                    dequantised[i] = (float)half;
                }

                entry["quantization"] = new JsonObject { ["dtype"] = "float16", ["original_dtype"] = "float32" };
                break;
            default:
                var levels = storage == "uint8" ? 255 : 65535;
                float min = values.Min(), scale = (values.Max() - min) / levels;
                for (var i = 0; i < values.Length; i++)
                {
                    var q = (int)MathF.Round((values[i] - min) / scale);
                    _shard.Write(storage == "uint8" ? [(byte)q] : BitConverter.GetBytes((ushort)q));
                    dequantised[i] = (q * scale) + min;
                }

                entry["quantization"] = new JsonObject { ["dtype"] = storage, ["scale"] = scale, ["min"] = min, ["original_dtype"] = "float32" };
                break;
        }

        _weights.Add(entry);
        Node(name, "Const", [], new JsonObject { ["dtype"] = new JsonObject { ["type"] = "DT_FLOAT" } });
        return dequantised;
    }

    /// <summary>An int32 constant (sizes, axes, paddings).</summary>
    public TinyTfJsModel Ints(string name, int[] shape, params int[] values)
    {
        foreach (var v in values)
        {
            _shard.Write(BitConverter.GetBytes(v));
        }

        _weights.Add(new JsonObject { ["name"] = name, ["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray()), ["dtype"] = "int32" });
        return Node(name, "Const", [], new JsonObject { ["dtype"] = new JsonObject { ["type"] = "DT_INT32" } });
    }

    public TinyTfJsModel Node(string name, string op, string[] inputs, JsonObject? attr = null)
    {
        _nodes.Add(new JsonObject
        {
            ["name"] = name,
            ["op"] = op,
            ["input"] = new JsonArray(inputs.Select(i => (JsonNode)i).ToArray()),
            ["attr"] = attr ?? [],
        });
        Output = op is "Const" or "Placeholder" ? Output : name;
        return this;
    }

    public static JsonObject Str(string value) => new() { ["s"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value)) };

    public static JsonObject IntList(params int[] values) =>
        new() { ["list"] = new JsonObject { ["i"] = new JsonArray(values.Select(v => (JsonNode)v.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray()) } };

    public static JsonObject StrList(params string[] values) =>
        new() { ["list"] = new JsonObject { ["s"] = new JsonArray(values.Select(v => (JsonNode)Convert.ToBase64String(Encoding.UTF8.GetBytes(v))).ToArray()) } };

    public static JsonObject Bool(bool value) => new() { ["b"] = value };

    /// <summary>Attributes of an NHWC convolution or pooling with the given strides and padding.</summary>
    public static JsonObject ConvAttr(int stride, string padding, JsonObject? extra = null)
    {
        var attr = new JsonObject
        {
            ["strides"] = IntList(1, stride, stride, 1),
            ["padding"] = Str(padding),
            ["data_format"] = Str("NHWC"),
            ["dilations"] = IntList(1, 1, 1, 1),
        };
        foreach (var (key, value) in extra ?? [])
        {
            attr[key] = value?.DeepClone();
        }

        return attr;
    }

    public string Json() => new JsonObject
    {
        ["format"] = "graph-model",
        ["modelTopology"] = new JsonObject { ["node"] = _nodes.DeepClone(), ["library"] = new JsonObject(), ["versions"] = new JsonObject() },
        ["weightsManifest"] = new JsonArray(new JsonObject { ["paths"] = new JsonArray("w.bin"), ["weights"] = _weights.DeepClone() }),
    }.ToJsonString();

    public byte[] Shard => _shard.ToArray();

    /// <summary>Writes model.json + w.bin into <paramref name="directory"/> and returns the json's path.</summary>
    public string WriteTo(string directory)
    {
        File.WriteAllText(Path.Combine(directory, "model.json"), Json());
        File.WriteAllBytes(Path.Combine(directory, "w.bin"), Shard);
        return Path.Combine(directory, "model.json");
    }

    public byte[] ImportBytes() =>
        TfJsImporter.Import(Json(), path => path == "w.bin" ? Shard : throw new FileNotFoundException(path), "tiny").ToBytes();

    /// <summary>Imports and runs the model on one NHWC input; returns the (NHWC) output.</summary>
    public float[] Run(int[] shape, float[] input)
    {
        using var session = InferenceSession.Create(ImportBytes(), new SessionOptions { IntraOpThreads = 1 });
        using var result = session.Run([NamedTensor.Create<float>(session.Inputs[0].Name, shape.Select(d => (long)d).ToArray(), input)]);
        return result[0].GetSpan<float>().ToArray();
    }
}

using System.Text;
using System.Text.Json;

namespace Serving.Models.TfJs;

/// <summary>
/// One node of the GraphDef inside a TF.js graph model (<c>modelTopology.node[]</c>), with its
/// data inputs (control inputs <c>^x</c> dropped: ONNX orders by data flow) and raw attributes.
/// </summary>
internal sealed class TfNode
{
    private readonly JsonElement _attr;

    public TfNode(string name, string op, IReadOnlyList<string> inputs, JsonElement attr)
    {
        Name = name;
        Op = op;
        Inputs = inputs;
        _attr = attr;
    }

    public string Name { get; }

    public string Op { get; }

    public IReadOnlyList<string> Inputs { get; }

    public static TfNode Parse(JsonElement json)
    {
        var name = json.GetProperty("name").GetString() ?? throw new TfJsImportException("a node has no name");
        var op = json.TryGetProperty("op", out var o) ? o.GetString() ?? "" : "";
        var inputs = new List<string>();
        if (json.TryGetProperty("input", out var inputArray))
        {
            foreach (var input in inputArray.EnumerateArray())
            {
                var text = input.GetString() ?? "";
                if (text.StartsWith('^'))
                {
                    continue;
                }

                inputs.Add(text.EndsWith(":0", StringComparison.Ordinal) ? text[..^2] : text);
            }
        }

        var attr = json.TryGetProperty("attr", out var a) ? a.Clone() : default;
        return new TfNode(name, op, inputs, attr);
    }

    public bool Has(string key) => _attr.ValueKind == JsonValueKind.Object && _attr.TryGetProperty(key, out _);

    /// <summary>A string attribute (GraphDef JSON stores bytes as base64).</summary>
    public string? String(string key) =>
        TryGet(key, out var v) && v.TryGetProperty("s", out var s) ? Encoding.UTF8.GetString(s.GetBytesFromBase64()) : null;

    /// <summary>A dtype attribute (e.g. "DT_FLOAT").</summary>
    public string? Type(string key) =>
        TryGet(key, out var v) && v.TryGetProperty("type", out var t) ? t.GetString() : null;

    public bool Bool(string key, bool fallback = false) =>
        TryGet(key, out var v) && v.TryGetProperty("b", out var b) ? b.GetBoolean() : fallback;

    public float Float(string key, float fallback) =>
        TryGet(key, out var v) && v.TryGetProperty("f", out var f) ? f.GetSingle() : fallback;

    public long Int(string key, long fallback) =>
        TryGet(key, out var v) && v.TryGetProperty("i", out var i) ? ParseLong(i) : fallback;

    public long[] Ints(string key)
    {
        if (!TryGet(key, out var v) || !v.TryGetProperty("list", out var list) || !list.TryGetProperty("i", out var items))
        {
            return [];
        }

        return items.EnumerateArray().Select(ParseLong).ToArray();
    }

    public string[] Strings(string key)
    {
        if (!TryGet(key, out var v) || !v.TryGetProperty("list", out var list) || !list.TryGetProperty("s", out var items))
        {
            return [];
        }

        return items.EnumerateArray().Select(s => Encoding.UTF8.GetString(s.GetBytesFromBase64())).ToArray();
    }

    /// <summary>The <c>shape</c> attribute of a Placeholder: -1 for unknown dimensions.</summary>
    public int[]? Shape(string key)
    {
        if (!TryGet(key, out var v) || !v.TryGetProperty("shape", out var shape))
        {
            return null;
        }

        if (!shape.TryGetProperty("dim", out var dims))
        {
            return [];
        }

        return dims.EnumerateArray()
            .Select(d => d.TryGetProperty("size", out var size) ? (int)ParseLong(size) : -1)
            .ToArray();
    }

    private static long ParseLong(JsonElement e) =>
        e.ValueKind == JsonValueKind.String ? long.Parse(e.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : e.GetInt64();

    private bool TryGet(string key, out JsonElement value)
    {
        value = default;
        return _attr.ValueKind == JsonValueKind.Object && _attr.TryGetProperty(key, out value);
    }
}

using System.Buffers.Binary;
using System.Text.Json;

namespace Serving.Models.TfJs;

/// <summary>
/// Reads one <c>weightsManifest</c> group: its shards concatenated in order hold its weights back
/// to back, each stored either as its dtype or quantised (<c>quantization.dtype</c> float16, or
/// uint8/uint16 with <c>value = q * scale + min</c>). Everything comes out as float.
/// </summary>
internal static class TfJsWeights
{
    public static void ReadGroup(JsonElement group, Func<string, byte[]> readShard, Dictionary<string, TfTensor> into)
    {
        using var bytes = new MemoryStream();
        foreach (var path in group.GetProperty("paths").EnumerateArray())
        {
            var shard = path.GetString() ?? throw new TfJsImportException("weightsManifest: a path is null");
            bytes.Write(readShard(shard));
        }

        var data = bytes.GetBuffer().AsSpan(0, (int)bytes.Length);
        var offset = 0;
        foreach (var weight in group.GetProperty("weights").EnumerateArray())
        {
            var name = weight.GetProperty("name").GetString() ?? throw new TfJsImportException("weightsManifest: a weight has no name");
            var shape = weight.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
            var dtype = weight.GetProperty("dtype").GetString() ?? "";
            var count = shape.Aggregate(1, (a, d) => checked(a * d));
            var values = new float[count];
            var storedAs = dtype;
            float scale = 1, min = 0;
            if (weight.TryGetProperty("quantization", out var q))
            {
                storedAs = q.GetProperty("dtype").GetString() ?? "";
                scale = q.TryGetProperty("scale", out var s) ? s.GetSingle() : 1;
                min = q.TryGetProperty("min", out var m) ? m.GetSingle() : 0;
            }

            var size = checked(count * ElementSize(storedAs, name));
            if (offset + size > data.Length)
            {
                throw new TfJsImportException(
                    $"weight '{name}' needs bytes {offset}..{offset + size} but the shards of its group hold only {data.Length}");
            }

            Decode(data.Slice(offset, size), storedAs, scale, min, values);
            offset += size;
            into[name] = new TfTensor(name, shape, values, dtype is "int32" or "bool");
        }
    }

    private static int ElementSize(string storedAs, string name) => storedAs switch
    {
        "float32" or "int32" => 4,
        "float16" or "uint16" => 2,
        "uint8" or "bool" => 1,
        _ => throw new TfJsImportException($"weight '{name}': dtype '{storedAs}' is not supported (float32, int32, bool, float16, uint8, uint16)"),
    };

    private static void Decode(ReadOnlySpan<byte> raw, string storedAs, float scale, float min, Span<float> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = storedAs switch
            {
                "float32" => BinaryPrimitives.ReadSingleLittleEndian(raw[(i * 4)..]),
                "int32" => BinaryPrimitives.ReadInt32LittleEndian(raw[(i * 4)..]),
                "float16" => (float)BinaryPrimitives.ReadHalfLittleEndian(raw[(i * 2)..]),
                "uint16" => BinaryPrimitives.ReadUInt16LittleEndian(raw[(i * 2)..]) * scale + min,
                "uint8" => raw[i] * scale + min,
                _ => raw[i] != 0 ? 1f : 0f,
            };
        }
    }
}

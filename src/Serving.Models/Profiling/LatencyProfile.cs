using System.Text.Json;
using System.Text.Json.Serialization;

namespace Serving.Models.Profiling;

/// <summary>Latency of one batch size: percentiles over the timed runs, in microseconds.</summary>
public sealed record BatchLatency(
    [property: JsonPropertyName("batch_size")] int BatchSize,
    [property: JsonPropertyName("p50_us")] double P50Microseconds,
    [property: JsonPropertyName("p95_us")] double P95Microseconds,
    [property: JsonPropertyName("p99_us")] double P99Microseconds,
    [property: JsonPropertyName("runs")] int Runs);

/// <summary>
/// A model's measured latency distribution per batch size on one machine: what the router's
/// selector predicts service time from before live load reports exist. Saved as
/// <c>profile.json</c> beside the model file.
/// </summary>
public sealed record LatencyProfile(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("device")] string Device,
    [property: JsonPropertyName("intra_op_threads")] int IntraOpThreads,
    [property: JsonPropertyName("machine")] string Machine,
    [property: JsonPropertyName("measured_at")] DateTimeOffset MeasuredAt,
    [property: JsonPropertyName("batches")] IReadOnlyList<BatchLatency> Batches)
{
    public const string FileName = "profile.json";

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    public static LatencyProfile Parse(string json) =>
        JsonSerializer.Deserialize<LatencyProfile>(json, Options) ?? throw new JsonException("empty latency profile");

    /// <summary>Writes the profile beside <paramref name="modelPath"/> and returns the file's path.</summary>
    public string SaveBeside(string modelPath)
    {
        var path = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelPath))!, FileName);
        File.WriteAllText(path + ".tmp", ToJson());
        File.Move(path + ".tmp", path, overwrite: true);
        return path;
    }
}

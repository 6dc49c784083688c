using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Serving.Worker.Repository.Tools;

/// <summary>
/// Writes a measured quality into a model's <c>config.json</c> (<c>variant.quality</c>: metric,
/// value, data set, when; <c>variant.threshold</c> for a face embedder), leaving every other field
/// as it was. The router's catalogue reads <c>variant.quality.value</c> and <c>variant.threshold</c>.
/// </summary>
public static class QualityRecord
{
    /// <summary>Records the measurement for <paramref name="model"/> in <paramref name="repository"/>.</summary>
    /// <exception cref="FileNotFoundException">The model has no config.json in the repository.</exception>
    /// <exception cref="InvalidDataException">The config.json is not a JSON object.</exception>
    public static void Write(string repository, string model, string metric, double value, string dataSet, DateTimeOffset measuredAt, double? threshold = null)
    {
        var file = Path.Combine(repository, model, ModelRepositoryScanner.ConfigFileName);
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"{file} is missing: '{model}' is not a model of the repository {repository}", file);
        }

        JsonObject config;
        try
        {
            config = JsonNode.Parse(File.ReadAllText(file)) as JsonObject ?? throw new InvalidDataException($"{file}: not a JSON object");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{file}: {ex.Message}", ex);
        }

        if (config["variant"] is not JsonObject variant)
        {
            config["variant"] = variant = [];
        }

        variant["quality"] = new JsonObject
        {
            ["metric"] = metric,
            ["value"] = Math.Round(value, 6),
            ["dataset"] = dataSet,
            ["measured_at"] = measuredAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        };
        if (threshold is { } t)
        {
            variant["threshold"] = Math.Round(t, 6);
        }

        var temporary = file + ".tmp";
        File.WriteAllText(temporary, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temporary, file, overwrite: true);
    }
}

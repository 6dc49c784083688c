using System.Text.Json;
using System.Text.Json.Serialization;

namespace Serving.Worker.Repository;

/// <summary>Reads and writes <c>config.json</c> (snake_case, as Triton's JSON model configuration).</summary>
public static class ModelConfigurationSerializer
{
    /// <summary>
    /// The options used for config.json. Unknown members are refused: a misspelt field silently
    /// ignored would serve a model with settings nobody asked for.
    /// </summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>
    /// Parses a config.json text. Syntax and type errors stop parsing (the first one is returned
    /// with its path); semantic problems are left to <see cref="ModelConfigValidator"/>.
    /// </summary>
    public static ModelConfiguration? Parse(string json, out ConfigError? error)
    {
        try
        {
            var config = JsonSerializer.Deserialize<ModelConfiguration>(json, Options);
            error = config is null ? new ConfigError("", "the file holds null, expected an object") : null;
            return config;
        }
        catch (JsonException ex)
        {
            error = new ConfigError(ToDottedPath(ex.Path), $"invalid JSON ({FirstSentence(ex.Message)})");
            return null;
        }
    }

    /// <summary>Writes a configuration as indented config.json text.</summary>
    public static string Serialize(ModelConfiguration config) => JsonSerializer.Serialize(config, Options);

    // System.Text.Json reports "$.dynamic_batching.preferred_batch_size[1]"; drop the root marker.
    private static string ToDottedPath(string? path) =>
        path is null or "$" ? "" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (end > 0 ? message[..end] : message).TrimEnd('.');
    }
}

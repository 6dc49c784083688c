using System.Text.Json;
using Serving.Router.Selection;

namespace Serving.Router.Catalog;

/// <summary>
/// Builds the router's <see cref="CatalogSnapshot"/> from a model repository's <c>config.json</c>
/// files (the same files the workers serve), reading each model's <c>name</c> and its
/// <c>variant</c> metadata (<c>task</c>, <c>quality.value</c>, <c>synthetic</c>).
/// </summary>
/// <remarks>
/// Chosen over asking workers (ModelConfig RPC) because it is simplest and robust: the catalogue is
/// known before any worker is up, does not change when workers come and go, and every worker of a
/// deployment serves the same repository (standalone: the default repository; Kubernetes: the same
/// image). Models without variant metadata or task are skipped. Task names use hyphens
/// (<c>face_embedding</c> in older configs is read as <c>face-embedding</c>).
/// </remarks>
public static class RepositoryCatalog
{
    /// <summary>Reads every <c>&lt;dir&gt;/&lt;model&gt;/config.json</c> under <paramref name="repository"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The repository does not exist.</exception>
    /// <exception cref="InvalidDataException">A config file is not valid JSON; the message names it.</exception>
    public static CatalogSnapshot Load(string repository, bool allowSynthetic = false)
    {
        if (!Directory.Exists(repository))
        {
            throw new DirectoryNotFoundException($"Model repository '{repository}' does not exist.");
        }

        var variants = new List<VariantInfo>();
        foreach (var directory in Directory.EnumerateDirectories(repository).Order(StringComparer.Ordinal))
        {
            var file = Path.Combine(directory, "config.json");
            if (!File.Exists(file))
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(File.ReadAllText(file));
                if (Parse(document.RootElement, Path.GetFileName(directory)) is { } variant)
                {
                    variants.Add(variant);
                }
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{file}: {ex.Message}", ex);
            }
        }

        return new CatalogSnapshot(variants, allowSynthetic);
    }

    internal static VariantInfo? Parse(JsonElement config, string directoryName)
    {
        var name = config.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : directoryName;
        if (!config.TryGetProperty("variant", out var variant) || variant.ValueKind != JsonValueKind.Object
            || !variant.TryGetProperty("task", out var task) || task.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(task.GetString()))
        {
            return null;
        }

        var quality = variant.TryGetProperty("quality", out var q) && q.ValueKind == JsonValueKind.Object
            && q.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : 0;
        var synthetic = variant.TryGetProperty("synthetic", out var s) && s.ValueKind == JsonValueKind.True;
        double? threshold = Number(variant, "threshold")
            ?? (variant.TryGetProperty("quality", out var qualityObject) && qualityObject.ValueKind == JsonValueKind.Object ? Number(qualityObject, "threshold") : null);
        var cost = Number(variant, "gflops") ?? 0;
        return new VariantInfo(name, task.GetString()!.Replace('_', '-'), quality, synthetic) { Threshold = threshold, Cost = cost, Input = FirstInput(config) };
    }

    private static double? Number(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    private static VariantInput? FirstInput(JsonElement config)
    {
        if (!config.TryGetProperty("inputs", out var inputs) || inputs.ValueKind != JsonValueKind.Array || inputs.GetArrayLength() == 0)
        {
            return null;
        }

        var input = inputs[0];
        if (!input.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
            || !input.TryGetProperty("dims", out var dims) || dims.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var batched = config.TryGetProperty("max_batch_size", out var max) && max.ValueKind == JsonValueKind.Number && max.GetInt64() > 0;
        return new VariantInput(name.GetString()!, dims.EnumerateArray().Select(d => d.ValueKind == JsonValueKind.Number ? d.GetInt64() : -1).ToArray(), batched);
    }
}

using System.Globalization;

namespace Serving.Worker.Repository;

/// <summary>
/// Lists the models of a Triton-style repository: <c>&lt;repo&gt;/&lt;model&gt;/config.json</c> and
/// <c>&lt;repo&gt;/&lt;model&gt;/&lt;version&gt;/model.onnx</c>, version folders named by positive integers.
/// </summary>
/// <remarks>
/// Scanning only reads the file system and reports; it never throws for a bad model, so one broken
/// directory cannot keep the others from loading. Hidden directories and non-numeric folders
/// inside a model (e.g. <c>warmup</c>) are ignored.
/// </remarks>
public static class ModelRepositoryScanner
{
    /// <summary>The configuration file name.</summary>
    public const string ConfigFileName = "config.json";

    /// <summary>The model file name inside a version folder.</summary>
    public const string ModelFileName = "model.onnx";

    /// <summary>Scans every model directory under <paramref name="repositoryPath"/>, sorted by name.</summary>
    public static IReadOnlyList<RepositoryModel> Scan(string repositoryPath)
    {
        if (!System.IO.Directory.Exists(repositoryPath))
        {
            throw new DirectoryNotFoundException($"Model repository '{repositoryPath}' does not exist.");
        }

        return new DirectoryInfo(repositoryPath)
            .EnumerateDirectories()
            .Where(d => !d.Name.StartsWith('.'))
            .OrderBy(d => d.Name, StringComparer.Ordinal)
            .Select(d => ScanModel(d.FullName))
            .ToArray();
    }

    /// <summary>Scans one model directory.</summary>
    public static RepositoryModel ScanModel(string modelDirectory)
    {
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(modelDirectory));
        var errors = new List<ConfigError>();
        var configPath = Path.Combine(modelDirectory, ConfigFileName);
        var hasConfig = File.Exists(configPath);
        ModelConfiguration? config = null;
        if (hasConfig)
        {
            config = ModelConfigurationSerializer.Parse(File.ReadAllText(configPath), out var parseError);
            if (parseError is not null)
            {
                errors.Add(parseError);
            }
            else if (config is not null)
            {
                errors.AddRange(ModelConfigValidator.Validate(config, name));
            }
        }

        var available = new List<long>();
        foreach (var folder in new DirectoryInfo(modelDirectory).EnumerateDirectories())
        {
            if (!long.TryParse(folder.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version < 1)
            {
                continue;
            }

            if (File.Exists(Path.Combine(folder.FullName, ModelFileName)))
            {
                available.Add(version);
            }
            else
            {
                errors.Add(new($"{folder.Name}/{ModelFileName}", "is missing: the version folder has no model file"));
            }
        }

        available.Sort();
        if (available.Count == 0)
        {
            errors.Add(new("", $"no version folder with {ModelFileName}"));
        }

        var policy = config?.VersionPolicy ?? new VersionPolicyConfiguration();
        if (policy.Specific is { } specific)
        {
            for (var i = 0; i < specific.Versions.Count; i++)
            {
                if (specific.Versions[i] >= 1 && !available.Contains(specific.Versions[i]))
                {
                    errors.Add(new($"version_policy.specific.versions[{i}]", $"version {specific.Versions[i]} is not on disk"));
                }
            }
        }

        return new RepositoryModel(name, modelDirectory, config, hasConfig, errors, available, policy.Select(available));
    }
}

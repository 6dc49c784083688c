namespace Serving.Worker.Repository;

/// <summary>One model directory found by <see cref="ModelRepositoryScanner"/>.</summary>
/// <param name="Name">The directory name, which is the model name.</param>
/// <param name="Directory">The model directory's full path.</param>
/// <param name="Config">The parsed configuration; null when config.json is missing or unreadable.</param>
/// <param name="HasConfigFile">False when config.json is absent: the loader completes one from the ONNX file.</param>
/// <param name="Errors">Every problem found; the model is not served while this is non-empty.</param>
/// <param name="AvailableVersions">Numeric version folders holding a model.onnx, ascending.</param>
/// <param name="ServedVersions">The subset the version policy selects, ascending.</param>
public sealed record RepositoryModel(
    string Name,
    string Directory,
    ModelConfiguration? Config,
    bool HasConfigFile,
    IReadOnlyList<ConfigError> Errors,
    IReadOnlyList<long> AvailableVersions,
    IReadOnlyList<long> ServedVersions)
{
    /// <summary>True when the model can be loaded as it stands on disk.</summary>
    public bool IsValid => Errors.Count == 0;

    /// <summary>The ONNX file of one version.</summary>
    public string ModelPath(long version) =>
        Path.Combine(Directory, version.ToString(System.Globalization.CultureInfo.InvariantCulture), ModelRepositoryScanner.ModelFileName);
}

using Serving.Models.Onnx;
using Serving.Models.Zoo;

namespace Serving.Worker.Repository.Tools;

/// <summary>
/// Adds the zoo's synthetic variants (DPN, WeightNet, dynamic routing, seeded weights) to a
/// repository, marked <c>synthetic</c>, for capacity planning, load tests and conformance.
/// </summary>
/// <remarks>
/// Their weights are random, so their answers are meaningless and nothing measures their quality:
/// each gets a <em>nominal</em> quality (metric <c>nominal</c>) that orders the architectures by
/// size, which is what lets SLO-aware selection trade them against the real models. Routers use
/// them only when the catalogue allows synthetic variants. Users replace the weights with trained
/// exports and measure them with <c>serving eval</c>.
/// </remarks>
public static class SyntheticVariants
{
    /// <summary>Variant name -> task and nominal quality.</summary>
    public static IReadOnlyDictionary<string, (string Task, double NominalQuality)> Catalogue { get; } = new Dictionary<string, (string, double)>(StringComparer.Ordinal)
    {
        ["weightnet_face"] = ("face-embedding", 0.9991),
        ["dpn68_face"] = ("face-embedding", 0.9993),
        ["dpn92_face"] = ("face-embedding", 0.9995),
        ["dpn131_face"] = ("face-embedding", 0.9996),
        ["dynroute_seg"] = ("person-segmentation", 0.93),
        ["dpn68_seg"] = ("person-segmentation", 0.94),
    };

    /// <summary>The set <c>serving standalone --synthetic</c> adds: one heavy and one dynamic model per task, quick to build.</summary>
    public static IReadOnlyList<string> Default { get; } = ["dpn68_face", "weightnet_face", "dynroute_seg"];

    /// <summary>Builds each of <paramref name="names"/> (seed 1) into <paramref name="repository"/> unless it is there already.</summary>
    /// <exception cref="ArgumentException">A name is not a synthetic variant.</exception>
    public static void AddTo(string repository, IEnumerable<string> names, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(names);
        foreach (var name in names)
        {
            if (!Catalogue.TryGetValue(name, out var entry))
            {
                throw new ArgumentException($"'{name}' is not a synthetic variant; expected one of {string.Join(", ", Catalogue.Keys)}.", nameof(names));
            }

            var directory = Path.Combine(repository, name, "1");
            var file = Path.Combine(directory, ModelRepositoryScanner.ModelFileName);
            if (File.Exists(file) && File.Exists(Path.Combine(repository, name, ModelRepositoryScanner.ConfigFileName)))
            {
                continue;
            }

            Directory.CreateDirectory(directory);
            ModelZoo.Build(name, seed: 1).Save(file);
            DefaultRepository.WriteConfig(repository, DefaultRepository.ModelFor(name, file, new VariantMetadata
            {
                Task = entry.Task,
                Family = name[..name.IndexOf('_', StringComparison.Ordinal)],
                Quality = new QualityMetadata { Metric = "nominal", Value = entry.NominalQuality, Dataset = "none: synthetic weights (nominal, orders architectures by size)" },
                Synthetic = true,
            }, batched: true));
            log.WriteLine($"{name}: synthetic ({entry.Task}), seed 1");
        }
    }
}

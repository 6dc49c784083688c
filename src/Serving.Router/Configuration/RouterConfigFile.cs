using System.Globalization;
using Serving.Router.Selection;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Serving.Router.Configuration;

/// <summary>
/// The router's configuration file (YAML; the Helm chart renders it as <c>router.yaml</c>): the
/// selection policy, SLO classes and, optionally, the catalogue. Every problem is reported at once.
/// </summary>
/// <example>
/// <code>
/// selector: slo-aware
/// headroom: 0.1
/// calibrationQuantile: 0.99
/// defaultSloClass: standard
/// sloClasses:
///   - {name: interactive, latencyMs: 100, percentile: 99}
///   - {name: standard, latencyMs: 500, percentile: 99}
/// catalogue:
///   allowSynthetic: false
///   tasks:
///     - name: face-embedding
///       variants:
///         - {name: fr_feature, quality: 0.999, threshold: 0.37}
///     - name: person-segmentation
///       variants:
///         - {name: selfie, quality: 0.92, input: {name: input_1, dims: [256, 256, 3], batched: true}}
/// </code>
/// </example>
public sealed class RouterConfigFile
{
    public string? Selector { get; set; }

    public string? DefaultSloClass { get; set; }

    /// <summary>The SLO-aware selector's reserve, a share of the remaining budget in [0, 0.9) (<see cref="SelectorOptions.Headroom"/>).</summary>
    public double? Headroom { get; set; }

    /// <summary>Whether late or shed requests are rescued with a cheaper variant (<see cref="Resilience.DispatchOptions.Rescue"/>).</summary>
    public bool? Rescue { get; set; }

    /// <summary>Whether the SLO-aware selector weighs quality by the chance of answering in time (<see cref="SelectorOptions.WeighMissRisk"/>).</summary>
    public bool? WeighMissRisk { get; set; }

    /// <summary>The quantile of observed / predicted call time that multiplies predictions, in (0, 1]; 0 turns calibration off (<see cref="CalibrationOptions"/>).</summary>
    public double? CalibrationQuantile { get; set; }

    public List<SloClassEntry>? SloClasses { get; set; }

    public CatalogueEntry? Catalogue { get; set; }

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">Not valid YAML of this shape; the message names the file and position.</exception>
    public static RouterConfigFile Load(string path)
    {
        var deserializer = new DeserializerBuilder()
            .WithNamingConvention(CamelCaseNamingConvention.Instance)
            .IgnoreUnmatchedProperties()
            .Build();
        try
        {
            return deserializer.Deserialize<RouterConfigFile?>(File.ReadAllText(path)) ?? new RouterConfigFile();
        }
        catch (YamlException ex)
        {
            throw new InvalidDataException($"{path}: {ex.Message} (line {ex.Start.Line}, column {ex.Start.Column})", ex);
        }
    }

    /// <summary>Applies the file onto <paramref name="options"/>; returns every problem found (empty when none).</summary>
    public IReadOnlyList<string> ApplyTo(RouterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(Selector))
        {
            options.Selector = Selector;
        }

        if (Headroom is { } headroom)
        {
            options.Selection.Headroom = headroom;
        }

        if (WeighMissRisk is { } weigh)
        {
            options.Selection.WeighMissRisk = weigh;
        }

        if (Rescue is { } rescue)
        {
            options.Dispatch.Rescue = rescue;
        }

        if (CalibrationQuantile is { } quantile)
        {
            options.LoadTracking.Calibration.Apply(quantile);
        }

        if (SloClasses is { Count: > 0 })
        {
            var classes = new SloClassOptions { DefaultClass = DefaultSloClass ?? options.SloClasses.DefaultClass };
            foreach (var (entry, i) in SloClasses.Select((e, i) => (e, i)))
            {
                if (string.IsNullOrWhiteSpace(entry.Name))
                {
                    errors.Add($"sloClasses[{i}]: name is required.");
                    continue;
                }

                classes.Classes[entry.Name] = new SloClassSettings { BudgetMs = entry.LatencyMs, Percentile = entry.Percentile };
            }

            if (DefaultSloClass is null && !classes.Classes.ContainsKey(classes.DefaultClass))
            {
                classes.DefaultClass = classes.Classes.OrderByDescending(c => c.Value.BudgetMs).Select(c => c.Key).FirstOrDefault(c => c.Equals("standard", StringComparison.OrdinalIgnoreCase))
                    ?? SloClasses.Select(c => c.Name).FirstOrDefault(n => !string.IsNullOrWhiteSpace(n)) ?? classes.DefaultClass;
            }

            options.SloClasses = classes;
        }
        else if (DefaultSloClass is not null)
        {
            options.SloClasses.DefaultClass = DefaultSloClass;
        }

        if (Catalogue is { } catalogue)
        {
            options.AllowSynthetic = catalogue.AllowSynthetic;
            foreach (var (task, t) in (catalogue.Tasks ?? []).Select((e, i) => (e, i)))
            {
                if (string.IsNullOrWhiteSpace(task.Name))
                {
                    errors.Add($"catalogue.tasks[{t}]: name is required.");
                    continue;
                }

                foreach (var (variant, v) in (task.Variants ?? []).Select((e, i) => (e, i)))
                {
                    var name = variant.Model ?? variant.Name;
                    if (string.IsNullOrWhiteSpace(name))
                    {
                        errors.Add($"catalogue.tasks[{t}].variants[{v}]: name (or model) is required.");
                        continue;
                    }

                    if (variant.Quality is < 0 or double.NaN)
                    {
                        errors.Add($"catalogue.tasks[{t}].variants[{v}] '{name}': quality must be >= 0.");
                    }

                    options.Variants.Add(new VariantInfo(name, task.Name, variant.Quality, variant.Synthetic)
                    {
                        Threshold = variant.Threshold,
                        Cost = variant.Gflops,
                        Input = variant.Input is { Name: { Length: > 0 } inputName } input
                            ? new VariantInput(inputName, input.Dims ?? [], input.Batched)
                            : null,
                    });
                }
            }

            var duplicates = options.Variants.GroupBy(v => v.Name, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
            errors.AddRange(duplicates.Select(d => string.Create(CultureInfo.InvariantCulture, $"catalogue: variant '{d}' is listed more than once.")));
        }

        return errors;
    }

    public sealed class SloClassEntry
    {
        public string Name { get; set; } = "";

        public double LatencyMs { get; set; }

        public double Percentile { get; set; } = 99;
    }

    public sealed class CatalogueEntry
    {
        public bool AllowSynthetic { get; set; }

        public List<TaskEntry>? Tasks { get; set; }
    }

    public sealed class TaskEntry
    {
        public string Name { get; set; } = "";

        public List<VariantEntry>? Variants { get; set; }
    }

    public sealed class VariantEntry
    {
        public string? Name { get; set; }

        /// <summary>The model name workers serve, when it differs from <see cref="Name"/>.</summary>
        public string? Model { get; set; }

        public double Quality { get; set; }

        public bool Synthetic { get; set; }

        public double? Threshold { get; set; }

        public double Gflops { get; set; }

        public InputEntry? Input { get; set; }
    }

    public sealed class InputEntry
    {
        public string? Name { get; set; }

        public List<long>? Dims { get; set; }

        public bool Batched { get; set; }
    }
}

using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Serving.Deployment.Tests.Infrastructure;

namespace Serving.Deployment.Tests.Chart;

/// <summary>The manifests <c>helm template</c> rendered for one values file, checked against the schemas.</summary>
internal sealed record RenderedChart(string ValuesFile, ProcessResult Template, ProcessResult Validation, IReadOnlyList<JsonObject> Documents, IReadOnlyList<string> SchemaErrors)
{
    public IEnumerable<JsonObject> OfKind(string kind) =>
        Documents.Where(d => (string?)d["kind"] == kind);

    public JsonObject Single(string kind, string nameSuffix) =>
        Assert.Single(OfKind(kind), d => ((string?)d["metadata"]?["name"] ?? "").EndsWith(nameSuffix, StringComparison.Ordinal));

    /// <summary>Pod templates of every Deployment and StatefulSet.</summary>
    public IEnumerable<(JsonObject Workload, JsonObject PodSpec)> PodSpecs() =>
        Documents
            .Where(d => (string?)d["kind"] is "Deployment" or "StatefulSet")
            .Select(d => (d, d["spec"]!["template"]!["spec"]!.AsObject()));
}

/// <summary>
/// Renders each values file once per test run (helm template + the node schema check) and shares
/// the result between tests: the two processes cost about a second per values file.
/// </summary>
public sealed class ChartFixture
{
    /// <summary>The Kubernetes version templates render for (helm 3.6.2 defaults to 1.20; the chart needs gRPC probes).</summary>
    public const string KubeVersion = "1.29.0";

    private readonly ConcurrentDictionary<string, Lazy<RenderedChart>> _renders = new();

    internal RenderedChart Render(string valuesFile) =>
        _renders.GetOrAdd(valuesFile, f => new Lazy<RenderedChart>(() => RenderNow(f))).Value;

    /// <summary>Runs helm template with the chart's own values plus <paramref name="valuesFile"/> (empty: defaults only).</summary>
    internal static ProcessResult Template(string valuesFile)
    {
        var args = new List<string> { "template", "serving", Tools.ChartDirectory, "--namespace", "serving", "--kube-version", KubeVersion };
        if (valuesFile.Length > 0)
        {
            args.Add("--values");
            args.Add(Path.IsPathRooted(valuesFile) ? valuesFile : Path.Combine(Tools.ChartDirectory, valuesFile));
        }

        return Tools.Run(Tools.Helm, args);
    }

    private static RenderedChart RenderNow(string valuesFile)
    {
        var template = Template(valuesFile);
        Assert.True(template.ExitCode == 0, $"helm template ({Describe(valuesFile)}) failed:\n{template.Output}");

        var rendered = Path.Combine(Path.GetTempPath(), $"serving-chart-{Guid.NewGuid():N}.yaml");
        try
        {
            File.WriteAllText(rendered, template.StandardOutput);
            var script = Path.Combine(AppContext.BaseDirectory, "validate", "validate.cjs");
            var validation = Tools.Run(Tools.Node, [script, rendered], new Dictionary<string, string> { ["NODE_PATH"] = Tools.NodeModules });
            Assert.True(validation.StandardOutput.Length > 0, $"the schema check printed nothing:\n{validation.StandardError}");
            var result = JsonNode.Parse(validation.StandardOutput)!.AsObject();
            var documents = result["documents"]!.AsArray().Select(d => d!.AsObject()).ToArray();
            var errors = result["errors"]!.AsArray().Select(e => (string)e!).ToArray();
            return new RenderedChart(valuesFile, template, validation, documents, errors);
        }
        finally
        {
            File.Delete(rendered);
        }
    }

    internal static string Describe(string valuesFile) => valuesFile.Length == 0 ? "default values" : valuesFile;
}

[CollectionDefinition(Name)]
public sealed class ChartCollection : ICollectionFixture<ChartFixture>
{
    public const string Name = "chart";
}

/// <summary>The values files of the chart's ci/ folder plus the defaults.</summary>
public static class ValuesFiles
{
    public const string Default = "";
    public const string Gpu = "ci/gpu-values.yaml";
    public const string CpuOnly = "ci/cpu-only-values.yaml";
    public const string Operator = "ci/operator-values.yaml";

    public static TheoryData<string> All => new() { Default, Gpu, CpuOnly, Operator };
}

internal static class Json
{
    public static IEnumerable<JsonObject> Objects(JsonNode? array) =>
        array is JsonArray a ? a.Select(n => n!.AsObject()) : [];

    public static IEnumerable<string> Strings(JsonNode? array) =>
        array is JsonArray a ? a.Select(n => n!.GetValueKind() == JsonValueKind.String ? (string)n! : n!.ToJsonString()) : [];
}

using Serving.Router;
using Serving.Router.Configuration;
using Serving.Router.Selection;

namespace Serving.Deployment.Tests.Chart;

/// <summary>The router.yaml the chart renders is what the router's own parser accepts, with every task the product serves.</summary>
[Collection(ChartCollection.Name)]
public sealed class RouterConfigContractTests(ChartFixture chart)
{
    [Theory]
    [MemberData(nameof(ValuesFiles.All), MemberType = typeof(ValuesFiles))]
    public void RenderedRouterConfig_ParsedByTheRouter_NoProblemsAndEveryTask(string valuesFile)
    {
        var rendered = chart.Render(valuesFile);
        var configMap = rendered.OfKind("ConfigMap").Single(c => c["data"]?["router.yaml"] is not null);
        var file = Path.Combine(Path.GetTempPath(), "serving-router-" + Guid.NewGuid().ToString("N") + ".yaml");
        File.WriteAllText(file, (string)configMap["data"]!["router.yaml"]!);
        try
        {
            var options = new RouterOptions { Workers = ["dns:workers.serving.svc.cluster.local:8001"] };
            var problems = RouterConfigFile.Load(file).ApplyTo(options);

            Assert.Empty(problems);
            Assert.Empty(options.Validate());
            var catalog = new CatalogSnapshot(options.Variants, options.AllowSynthetic);
            Assert.Equal(["face-detection", "face-embedding", "face-landmarks", "person-segmentation"], catalog.Tasks.Order(StringComparer.Ordinal));
            Assert.All(catalog.VariantsOf("person-segmentation"), v => Assert.NotNull(v.Input));
            Assert.Contains(SloClassCatalog.Create(options.SloClasses).Classes, c => c.Name == "interactive");
        }
        finally
        {
            File.Delete(file);
        }
    }
}

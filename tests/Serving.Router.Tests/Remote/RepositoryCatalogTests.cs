using Serving.Router.Catalog;

namespace Serving.Router.Tests.Remote;

public sealed class RepositoryCatalogTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("catalog-").FullName;

    [Fact]
    public void Variants_come_from_config_files_grouped_by_task_best_first()
    {
        Write("fr_feature", """{ "name": "fr_feature", "variant": { "task": "face-embedding", "quality": { "metric": "roc_auc", "value": 0.999 }, "synthetic": false } }""");
        Write("dpn", """{ "name": "dpn", "variant": { "task": "face_embedding", "quality": { "value": 0.93 }, "synthetic": true } }""");
        Write("selfie", """{ "name": "selfie", "variant": { "task": "person-segmentation", "quality": { "metric": "miou", "value": 0.92 } } }""");
        Write("plain", """{ "name": "plain" }""");

        var catalog = RepositoryCatalog.Load(_root);

        Assert.Equal(["fr_feature", "dpn"], catalog.VariantsOf("face-embedding").Select(v => v.Name));
        Assert.True(catalog.Find("dpn")!.Synthetic);
        Assert.Equal(0.92, catalog.Find("selfie")!.Quality);
        Assert.Null(catalog.Find("plain"));
    }

    [Fact]
    public void Threshold_and_first_input_are_read_for_the_front_ends()
    {
        Write("fr_feature", """{ "name": "fr_feature", "max_batch_size": 0, "inputs": [ { "name": "input", "datatype": "FP32", "dims": [1, 3, 112, 112] } ], "variant": { "task": "face-embedding", "quality": { "metric": "roc_auc", "value": 0.9999, "dataset": "faces" }, "threshold": 0.365 } }""");
        Write("selfie", """{ "name": "selfie", "max_batch_size": 32, "inputs": [ { "name": "input_1", "datatype": "FP32", "dims": [256, 256, 3] } ], "variant": { "task": "person-segmentation", "quality": { "metric": "miou", "value": 0.92 } } }""");

        var catalog = RepositoryCatalog.Load(_root);

        Assert.Equal(0.365, catalog.Find("fr_feature")!.Threshold);
        Assert.Equal(("input", false), (catalog.Find("fr_feature")!.Input!.Name, catalog.Find("fr_feature")!.Input!.Batched));
        Assert.Equal([1L, 3, 112, 112], catalog.Find("fr_feature")!.Input!.Dims);
        Assert.Null(catalog.Find("selfie")!.Threshold);
        Assert.True(catalog.Find("selfie")!.Input!.Batched);
        Assert.Equal([256L, 256, 3], catalog.Find("selfie")!.Input!.Dims);
    }

    [Fact]
    public void Invalid_json_names_the_file()
    {
        Write("broken", "{ not json");

        var error = Assert.Throws<InvalidDataException>(() => RepositoryCatalog.Load(_root));

        Assert.Contains("broken", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Write(string model, string json)
    {
        Directory.CreateDirectory(Path.Combine(_root, model));
        File.WriteAllText(Path.Combine(_root, model, "config.json"), json);
    }
}

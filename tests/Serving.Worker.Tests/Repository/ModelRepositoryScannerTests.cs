using Serving.Worker.Repository;

namespace Serving.Worker.Tests.Repository;

public sealed class ModelRepositoryScannerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("serving-worker-repo-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void AddModel(string name, string? configJson, params string[] versionFolders)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_root, name)).FullName;
        if (configJson is not null)
        {
            File.WriteAllText(Path.Combine(dir, "config.json"), configJson);
        }

        foreach (var folder in versionFolders)
        {
            var versionDir = Directory.CreateDirectory(Path.Combine(dir, folder.TrimEnd('!'))).FullName;
            if (!folder.EndsWith('!'))
            {
                File.WriteAllBytes(Path.Combine(versionDir, "model.onnx"), [0]);
            }
        }
    }

    private static string Config(string name, string policy = "") => $$"""
        { "name": "{{name}}", "max_batch_size": 0,
          "inputs": [ { "name": "x", "datatype": "FP32", "dims": [1] } ],
          "outputs": [ { "name": "y", "datatype": "FP32", "dims": [1] } ] {{policy}} }
        """;

    [Fact]
    public void Scan_Repository_ListsModelsWithVersionsAndPolicy()
    {
        AddModel("b_model", Config("b_model", """, "version_policy": { "latest": { "num_versions": 2 } }"""), "1", "3", "10", "warmup");
        AddModel("a_model", Config("a_model"), "2", "1");
        AddModel(".hidden", null, "1");

        var models = ModelRepositoryScanner.Scan(_root);

        Assert.Equal(["a_model", "b_model"], models.Select(m => m.Name));
        Assert.Equal([1L, 2], models[0].AvailableVersions);
        Assert.Equal([2L], models[0].ServedVersions);
        Assert.Equal([1L, 3, 10], models[1].AvailableVersions);
        Assert.Equal([3L, 10], models[1].ServedVersions);
        Assert.All(models, m => Assert.True(m.IsValid, string.Join("; ", m.Errors)));
        Assert.EndsWith(Path.Combine("b_model", "10", "model.onnx"), models[1].ModelPath(10));
    }

    [Fact]
    public void Scan_ModelWithoutConfig_ListedForAutoComplete()
    {
        AddModel("auto", null, "1");

        var model = Assert.Single(ModelRepositoryScanner.Scan(_root));

        Assert.False(model.HasConfigFile);
        Assert.Null(model.Config);
        Assert.True(model.IsValid);
        Assert.Equal([1L], model.ServedVersions);
    }

    [Fact]
    public void Scan_BrokenModels_ReportedWithoutHidingOthers()
    {
        AddModel("bad_json", "{ \"name\": ", "1");
        AddModel("wrong_name", Config("other"), "1");
        AddModel("no_file", Config("no_file"), "1!");
        AddModel("missing_version", Config("missing_version", """, "version_policy": { "specific": { "versions": [1, 4] } }"""), "1");
        AddModel("good", Config("good"), "1");

        var models = ModelRepositoryScanner.Scan(_root).ToDictionary(m => m.Name);

        Assert.True(models["good"].IsValid);
        Assert.Contains(models["bad_json"].Errors, e => e.Message.StartsWith("invalid JSON", StringComparison.Ordinal));
        Assert.Contains(models["wrong_name"].Errors, e => e.ToString() == "name: 'other' differs from the model directory 'wrong_name'");
        Assert.Contains(models["no_file"].Errors, e => e.ToString() == "1/model.onnx: is missing: the version folder has no model file");
        Assert.Contains(models["missing_version"].Errors, e => e.ToString() == "version_policy.specific.versions[1]: version 4 is not on disk");
        Assert.Equal([1L], models["missing_version"].ServedVersions);
    }

    [Fact]
    public void Scan_MissingRepository_Throws() =>
        Assert.Throws<DirectoryNotFoundException>(() => ModelRepositoryScanner.Scan(Path.Combine(_root, "nope")));
}

using System.Text.Json;
using Serving.Worker.Repository;
using Serving.Worker.Repository.Tools;

namespace Serving.Worker.Tests.Repository;

/// <summary>eval's results land in the evaluated model's config.json, where the router's catalogue reads them, and nothing else changes.</summary>
public sealed class QualityRecordTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("quality-").FullName;

    [Fact]
    public void Write_ExistingConfig_QualityAndThresholdReplacedOtherFieldsKept()
    {
        Directory.CreateDirectory(Path.Combine(_root, "fr_feature"));
        var file = Path.Combine(_root, "fr_feature", "config.json");
        File.WriteAllText(file, """
            { "name": "fr_feature", "max_batch_size": 0, "instance_group": { "count": 2 },
              "variant": { "task": "face-embedding", "family": "faceplugin", "quality": { "metric": "roc_auc", "value": 0.9, "dataset": "old" } } }
            """);

        QualityRecord.Write(_root, "fr_feature", "roc_auc", 0.99996, "faces", new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero), threshold: 0.372);

        using var written = JsonDocument.Parse(File.ReadAllText(file));
        var root = written.RootElement;
        var variant = root.GetProperty("variant");
        Assert.Equal(0, root.GetProperty("max_batch_size").GetInt32());
        Assert.Equal(2, root.GetProperty("instance_group").GetProperty("count").GetInt32());
        Assert.Equal("face-embedding", variant.GetProperty("task").GetString());
        Assert.Equal("faceplugin", variant.GetProperty("family").GetString());
        Assert.Equal(0.99996, variant.GetProperty("quality").GetProperty("value").GetDouble());
        Assert.Equal("faces", variant.GetProperty("quality").GetProperty("dataset").GetString());
        Assert.Equal("2026-11-22T10:00:00Z", variant.GetProperty("quality").GetProperty("measured_at").GetString());
        Assert.Equal(0.372, variant.GetProperty("threshold").GetDouble());
        // The worker still reads the file.
        Assert.DoesNotContain(ModelRepositoryScanner.ScanModel(Path.Combine(_root, "fr_feature")).Errors, e => e.Message.Contains("JSON", StringComparison.Ordinal));
    }

    [Fact]
    public void Write_UnknownModel_FileNotFoundNamingIt()
    {
        var error = Assert.Throws<FileNotFoundException>(() => QualityRecord.Write(_root, "nope", "miou", 0.5, "person", DateTimeOffset.UnixEpoch));

        Assert.Contains("'nope'", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}

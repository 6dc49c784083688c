using System.Text.Json;
using Serving.Models.Evaluation;
using Serving.Models.Pipelines.Face;
using Serving.Models.Tests.Pipelines;
using Xunit.Abstractions;

namespace Serving.Models.Tests.Evaluation;

/// <summary>The full dev-set evaluation, run once for the class (73 images, a few seconds).</summary>
public sealed class FaceEvaluationFixture : IAsyncLifetime
{
    private readonly FaceModelsFixture _models = new();

    public FaceEvaluationResult Result { get; private set; } = null!;

    public async Task InitializeAsync() => Result = await FaceEvaluation.RunAsync(_models.Pipeline, DevData.FacePairsPath);

    public Task DisposeAsync()
    {
        _models.Dispose();
        return Task.CompletedTask;
    }
}

public sealed class FaceEvaluationTests(FaceEvaluationFixture evaluation, ITestOutputHelper output) : IClassFixture<FaceEvaluationFixture>
{
    private FaceEvaluationResult Result => evaluation.Result;

    [Fact]
    public void Evaluate_DevSet_ReachesReferenceQuality()
    {
        // Reference (data README): AUC ~0.999, same ~0.71, different ~0.00, best accuracy ~99.6%.
        Assert.True(Result.Auc >= 0.99, $"AUC {Result.Auc:F4}");
        Assert.True(Result.TarAtFar1e2 >= 0.95, $"TAR@FAR1e-2 {Result.TarAtFar1e2:F4}");
        Assert.True(Result.CalibratedAccuracy >= 0.98, $"best accuracy {Result.CalibratedAccuracy:P2}");
        Assert.InRange(Result.MeanCosineSame, 0.6, 0.8);
        Assert.InRange(Result.MeanCosineDifferent, -0.1, 0.1);
    }

    [Fact]
    public void Evaluate_DevSet_VariantThresholdIsAsGoodAsTheBest()
    {
        Assert.Equal(FaceVariant.FacePlugin.VerifyThreshold, Result.Threshold);
        Assert.Equal(Result.CalibratedAccuracy, Result.Accuracy, 9);
    }

    [Fact]
    public void Evaluate_DevSet_CountsEveryPairAndImage()
    {
        // 70 of the 73 images appear in pairs (couple.jpg, img11_reflection.jpg and selfie-many-people.jpg are not).
        Assert.Equal((316, 146, 170, 70), (Result.Pairs, Result.SamePairs, Result.DifferentPairs, Result.Images));
        Assert.Empty(Result.ImagesWithoutFace);
        Assert.Equal("faces", Result.DataSet);
    }

    [Fact]
    public void ToJson_HasTheFieldsTheCliPrints()
    {
        using JsonDocument json = JsonDocument.Parse(FaceEvaluationReport.ToJson(Result));
        JsonElement root = json.RootElement;

        Assert.Equal("fr_feature", root.GetProperty("variant").GetString());
        Assert.Equal(Result.Auc, root.GetProperty("auc").GetDouble());
        Assert.Equal(Result.TarAtFar1e3, root.GetProperty("tar_at_far_1e-3").GetDouble());
        Assert.Equal(316, root.GetProperty("pairs").GetInt32());
        Assert.Equal(0, root.GetProperty("images_without_face").GetArrayLength());
    }

    [Fact]
    public void ToText_ShowsAucAndThresholds()
    {
        string text = FaceEvaluationReport.ToText(Result);
        output.WriteLine(text);

        Assert.Contains($"ROC AUC           {Result.Auc:F5}", text);
        Assert.Contains("(variant's)", text);
        Assert.Contains("(calibrated here)", text);
    }

    [Fact]
    public async Task Evaluate_MissingPairsFile_SaysWhichFile()
    {
        using var models = new FaceModelsFixture();
        string missing = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.csv");

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => FaceEvaluation.RunAsync(models.Pipeline, missing));

        Assert.Contains(missing, error.Message);
    }
}

using Serving.Models.Inspection;
using Serving.Models.Onnx;

namespace Serving.Models.Tests.Inspection;

/// <summary>
/// The inspector follows the shape arithmetic exported models do at run time (Shape, Gather,
/// Unsqueeze, Concat into Reshape; opset-9 attribute forms of Slice and Unsqueeze) and the real
/// models' other operators (ConvTranspose, Sum), so `serving models inspect` works on the real models.
/// </summary>
public sealed class RealModelInspectionTests
{
    [Fact]
    public void Inspect_FaceDetector_FoldsShapeArithmeticAndCountsConvolutions()
    {
        var report = ModelInspector.Inspect(OnnxModel.Load(Path.Combine(DevData.FaceModelsDirectory, "fr_detect.onnx")));

        Assert.Contains("Shape", report.PerOpType.Keys);
        Assert.Contains("Gather", report.PerOpType.Keys);
        Assert.Equal(0, report.PerOpType["Shape"].MultiplyAdds);
        // The detector is a light 320x240 network: about 0.1 G multiply-adds, all in convolutions.
        Assert.InRange(report.MultiplyAdds, 50_000_000, 200_000_000);
        Assert.Equal(report.MultiplyAdds, report.PerOpType.Where(p => p.Key == "Conv").Sum(p => p.Value.MultiplyAdds));
    }

    [Theory]
    [InlineData("fr_landmark.onnx")]
    [InlineData("fr_feature.onnx")]
    public void Inspect_OtherFaceModels_Inspectable(string file)
    {
        var report = ModelInspector.Inspect(OnnxModel.Load(Path.Combine(DevData.FaceModelsDirectory, file)));

        Assert.True(report.MultiplyAdds > 0);
        Assert.True(report.Parameters > 0);
    }
}

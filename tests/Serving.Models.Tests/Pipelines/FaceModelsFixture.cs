using Serving.Models.Imaging;
using Serving.Models.Pipelines;
using Serving.Models.Pipelines.Face;
using Serving.OnnxRuntime;

namespace Serving.Models.Tests.Pipelines;

/// <summary>The real face models loaded once per test class (loading takes longer than a test).</summary>
public sealed class FaceModelsFixture : IDisposable
{
    public FaceModelsFixture()
    {
        Runner = LoadRunner();
        Pipeline = new FacePipeline(Runner, FaceVariant.FacePlugin);
    }

    internal InProcessModelRunner Runner { get; }

    internal FacePipeline Pipeline { get; }

    internal static InProcessModelRunner LoadRunner() =>
        InProcessModelRunner.LoadFromDirectory(
            DevData.FaceModelsDirectory, ["fr_detect", "fr_landmark", "fr_feature"], new SessionOptions { IntraOpThreads = 1 });

    internal static RgbImage Load(string name) => ImageCodec.Decode(DevData.FaceImage(name));

    public void Dispose() => Runner.Dispose();
}

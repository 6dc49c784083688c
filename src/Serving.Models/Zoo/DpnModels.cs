using Serving.Models.Onnx;
using Serving.Models.Onnx.Proto;

namespace Serving.Models.Zoo;

/// <summary>Complete DPN models: ImageNet classifiers (for the paper checks), face embedders and a person segmenter.</summary>
internal static class DpnModels
{
    /// <summary>Input side of the segmentation network (as the light selfie segmenter's 256).</summary>
    public const int SegmentationSize = 256;

    public static ModelProto Classifier(DpnConfig config, int seed, int size = 224, int classes = 1000)
    {
        var (layers, input) = Start(config.Name + "_cls", seed, size);
        var features = DpnBackbone.Build(layers, config, input);
        var logits = Heads.Classifier(layers, features.Stages[3], features.Channels[3], classes);
        return Finish(layers, logits, "logits", ["batch", classes], config.Name + "_cls");
    }

    public static ModelProto Face(DpnConfig config, int seed, int size = 112)
    {
        var (layers, input) = Start(config.Name + "_face", seed, size);
        var features = DpnBackbone.Build(layers, config, input);
        var side = ZooShapes.Downsample(size, 5);
        var embedding = Heads.FaceEmbedding(layers, features.Stages[3], features.Channels[3], side, side);
        return Finish(layers, embedding, "embedding", ["batch", Heads.EmbeddingSize], config.Name + "_face");
    }

    /// <summary>
    /// DPN-68 encoder with a feature-pyramid decoder: 1x1 laterals (64 channels) on the four stage
    /// outputs (strides 4-32), top-down bilinear x2 upsampling and addition, a 3x3 conv-BN-ReLU at
    /// stride 4, a 1-channel 1x1 classifier, bilinear x4 back to the input and a sigmoid.
    /// </summary>
    public static ModelProto Segmentation(DpnConfig config, int seed, int size = SegmentationSize)
    {
        const int width = 64;
        var (layers, input) = Start(config.Name + "_seg", seed, size);
        var g = layers.G;
        var features = DpnBackbone.Build(layers, config, input);
        string? top = null;
        for (var stage = 3; stage >= 0; stage--)
        {
            var lateral = layers.Conv(features.Stages[stage], features.Channels[stage], width, 1, bias: true);
            top = top is null ? lateral : g.Add(lateral, g.Resize(top, 2f));
        }

        var refined = layers.ConvBnRelu(top!, width, width, 3);
        var logits = g.Resize(layers.Conv(refined, width, 1, 1, bias: true), 4f);
        return Finish(layers, g.Sigmoid(logits), "mask", ["batch", 1, size, size], config.Name + "_seg");
    }

    internal static (Layers Layers, string Input) Start(string name, int seed, int size)
    {
        var g = new GraphBuilder(name);
        var input = g.Input("input", OnnxDataType.Float, "batch", 3, size, size);
        return (new Layers(g, new Random(seed)), input);
    }

    internal static ModelProto Finish(Layers layers, string value, string outputName, Dim[] shape, string name)
    {
        var g = layers.G;
        var output = g.Identity(value);
        RenameOutput(g, output, outputName);
        g.Output(outputName, OnnxDataType.Float, shape);
        return OnnxModel.Create(g, metadata: new Dictionary<string, string> { ["zoo.name"] = name, ["zoo.synthetic"] = "true" });
    }

    // The last node's output gets the public name callers bind to ("embedding", "mask", ...).
    private static void RenameOutput(GraphBuilder g, string value, string outputName)
    {
        var node = g.Graph.Node[^1];
        node.Output[node.Output.IndexOf(value)] = outputName;
    }
}

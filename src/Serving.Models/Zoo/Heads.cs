using Serving.Models.Onnx;

namespace Serving.Models.Zoo;

/// <summary>Task heads shared by the zoo's backbones.</summary>
internal static class Heads
{
    /// <summary>Embedding size of the face embedders (as ArcFace-style recognisers use).</summary>
    public const int EmbeddingSize = 512;

    /// <summary>
    /// The ArcFace "E" output head: BN -> Dropout -> flatten -> FC -> BN over the final
    /// [N, C, h, w] feature map, giving an embedding that callers L2-normalise.
    /// </summary>
    public static string FaceEmbedding(Layers layers, string features, int channels, int height, int width)
    {
        var g = layers.G;
        var x = g.Flatten(g.Dropout(layers.BatchNorm(features, channels)));
        var fc = layers.Fc(x, (long)channels * height * width, EmbeddingSize);
        return layers.BatchNorm(fc, EmbeddingSize);
    }

    /// <summary>ImageNet classifier as in the papers: global average pooling -> FC (1x1 conv with bias) -> logits.</summary>
    public static string Classifier(Layers layers, string features, int channels, int classes)
    {
        var g = layers.G;
        var pooled = g.GlobalAveragePool(features);
        return g.Flatten(layers.Conv(pooled, channels, classes, 1, bias: true));
    }
}

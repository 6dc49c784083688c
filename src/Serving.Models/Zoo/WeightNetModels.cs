using Serving.Models.Onnx;
using Serving.Models.Onnx.Proto;

namespace Serving.Models.Zoo;

/// <summary>ShuffleNetV2 1.0x with WeightNet convolutions: an ImageNet classifier (the paper check) and a face embedder.</summary>
/// <remarks>
/// Ma et al., ECCV 2020, Table 1: ShuffleNetV2 1.0x + WeightNet, 138M FLOPs (multiply-adds) at
/// 224x224. The WeightNet release uses stage widths 112/224/448 (instead of ShuffleNetV2's
/// 116/232/464, 146M) so every width splits evenly into the M = G = 2 groups; stage repeats 4/8/4,
/// a 24-channel 3x3 stride-2 stem with max pooling and a 1024-channel 1x1 last convolution,
/// which stay ordinary convolutions. In every block the 1x1, depthwise 3x3, 1x1 of the main branch
/// and the depthwise 3x3, 1x1 of the stride-2 projection branch are WeightNet convolutions.
/// </remarks>
internal static class WeightNetModels
{
    private static readonly int[] StageWidths = [112, 224, 448];
    private static readonly int[] StageRepeats = [4, 8, 4];
    private const int StemWidth = 24;
    private const int LastWidth = 1024;

    public static ModelProto Classifier(int seed, int size = 224, int classes = 1000)
    {
        var (layers, input) = DpnModels.Start("weightnet_cls", seed, size);
        var features = Backbone(layers, input, size);
        var pooled = layers.G.Flatten(layers.G.GlobalAveragePool(features));
        var logits = layers.Fc(pooled, LastWidth, classes, bias: false);
        return DpnModels.Finish(layers, logits, "logits", ["batch", classes], "weightnet_cls");
    }

    public static ModelProto Face(int seed, int size = 112)
    {
        var (layers, input) = DpnModels.Start("weightnet_face", seed, size);
        var features = Backbone(layers, input, size);
        var side = ZooShapes.Downsample(size, 5);
        var embedding = Heads.FaceEmbedding(layers, features, LastWidth, side, side);
        return DpnModels.Finish(layers, embedding, "embedding", ["batch", Heads.EmbeddingSize], "weightnet_face");
    }

    private static string Backbone(Layers layers, string input, int size)
    {
        var g = layers.G;
        var wn = new WeightNetLayers(layers);
        var x = g.MaxPool(layers.ConvBnRelu(input, 3, StemWidth, 3, stride: 2), 3, 2, 1);
        var side = ZooShapes.Downsample(size, 2);
        var channels = StemWidth;
        for (var stage = 0; stage < StageWidths.Length; stage++)
        {
            for (var block = 0; block < StageRepeats[stage]; block++)
            {
                var stride = block == 0 ? 2 : 1;
                x = Block(layers, wn, x, channels, StageWidths[stage], stride, side);
                side = ZooShapes.Downsample(side, stride == 2 ? 1 : 0);
                channels = StageWidths[stage];
            }
        }

        return layers.ConvBnRelu(x, channels, LastWidth, 1);
    }

    /// <summary>
    /// A ShuffleNetV2 unit. Stride 1: channel shuffle-split into a kept half and a half through the
    /// main branch. Stride 2: the whole input feeds both the main and the projection branch.
    /// </summary>
    private static string Block(Layers layers, WeightNetLayers wn, string x, int inChannels, int outChannels, int stride, int side)
    {
        var g = layers.G;
        string kept, main;
        int branchIn;
        if (stride == 1)
        {
            // ShuffleNetV2's channel shuffle + split: even channels are kept, odd ones go through the branch.
            var half = inChannels / 2;
            var pairs = g.Transpose(g.Reshape(x, 0, half, 2, (long)side * side), 0, 2, 1, 3);
            var parts = g.Split(pairs, 1, 1, 1);
            kept = g.Reshape(parts[0], 0, half, side, side);
            main = g.Reshape(parts[1], 0, half, side, side);
            branchIn = half;
        }
        else
        {
            kept = main = x;
            branchIn = inChannels;
        }

        var mid = outChannels / 2;
        var branchOut = outChannels - branchIn;
        var outSide = stride == 1 ? side : ZooShapes.Downsample(side, 1);
        var gapChannels = WeightNetLayers.GapChannels(branchIn);
        var context = wn.Context(main, branchIn);

        var y = layers.BnRelu(wn.Pointwise(main, context, gapChannels, branchIn, mid, side, side), mid);
        y = layers.BatchNorm(wn.Depthwise(y, context, gapChannels, mid, 3, stride, side, side), mid);
        y = layers.BnRelu(wn.Pointwise(y, context, gapChannels, mid, branchOut, outSide, outSide), branchOut);

        if (stride == 2)
        {
            var p = layers.BatchNorm(wn.Depthwise(kept, context, gapChannels, branchIn, 3, stride, side, side), branchIn);
            kept = layers.BnRelu(wn.Pointwise(p, context, gapChannels, branchIn, branchIn, outSide, outSide), branchIn);
        }

        return g.Concat(1, kept, y);
    }
}

using Serving.Models.Onnx;

namespace Serving.Models.Zoo;

/// <summary>The feature extractor of a Dual Path Network: stem and four stages of dual path blocks.</summary>
/// <remarks>
/// Each block runs BN-ReLU-1x1 -> BN-ReLU-3x3 (G groups, stride 2 in the first block of stages
/// 3-5) -> BN-ReLU-1x1 and splits the result: the first <c>bw</c> channels are added to the
/// residual path (ResNeXt-like feature re-use), the last <c>inc</c> are concatenated to the
/// densely connected path (DenseNet-like feature exploration). The first block of every stage
/// projects the concatenated input to <c>bw + 2*inc</c> channels to start both paths afresh.
/// The last 1x1 convolution of every block starts scaled by 1/sqrt(blocks) (as zero-init/Fixup
/// schemes do) so that, with synthetic weights, the residual sum stays of order one over 40+ blocks.
/// </remarks>
internal static class DpnBackbone
{
    /// <summary>Feature maps after each stage (residual and dense paths concatenated) and their channel counts.</summary>
    public sealed record Features(string[] Stages, int[] Channels);

    public static Features Build(Layers layers, DpnConfig config, string input)
    {
        var g = layers.G;
        var stemKernel = config.SmallStem ? 3 : 7;
        var x = layers.ConvBnRelu(input, 3, config.StemChannels, stemKernel, stride: 2);
        x = g.MaxPool(x, 3, 2, 1);

        var gain = 1f / MathF.Sqrt(config.Blocks.Sum());
        string? residual = null, dense = null;
        var inChannels = config.StemChannels;
        var stages = new string[4];
        var channels = new int[4];
        for (var stage = 0; stage < 4; stage++)
        {
            var bw = config.ResidualWidth(stage);
            var r = config.BottleneckWidth(stage);
            var inc = config.Increments[stage];
            for (var block = 0; block < config.Blocks[stage]; block++)
            {
                var stride = block == 0 && stage > 0 ? 2 : 1;
                var blockInput = residual is null ? x : g.Concat(1, residual, dense!);
                string shortcutResidual, shortcutDense;
                if (block == 0)
                {
                    var projection = layers.BnReluConv(blockInput, inChannels, bw + 2 * inc, 1, stride);
                    var parts = g.Split(projection, 1, bw, 2 * inc);
                    (shortcutResidual, shortcutDense) = (parts[0], parts[1]);
                }
                else
                {
                    (shortcutResidual, shortcutDense) = (residual!, dense!);
                }

                var a = layers.BnReluConv(blockInput, inChannels, r, 1);
                var b = layers.BnReluConv(a, r, r, 3, stride, config.Groups);
                var c = layers.BnReluConv(b, r, bw + inc, 1, gain: gain);
                var outputs = g.Split(c, 1, bw, inc);
                residual = g.Add(shortcutResidual, outputs[0]);
                dense = g.Concat(1, shortcutDense, outputs[1]);
                inChannels = block == 0 ? bw + 3 * inc : inChannels + inc;
            }

            stages[stage] = g.Concat(1, residual!, dense!);
            channels[stage] = inChannels;
        }

        // The reference network ends with BN-ReLU over the concatenated paths (conv5_bn_ac).
        stages[3] = layers.BnRelu(stages[3], channels[3]);
        return new Features(stages, channels);
    }
}

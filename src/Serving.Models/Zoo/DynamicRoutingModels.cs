using Serving.Models.Onnx;
using Serving.Models.Onnx.Proto;

namespace Serving.Models.Zoo;

/// <summary>
/// A dynamic-routing segmentation network: cells over a grid of layers x scales (1/4 .. 1/32)
/// whose soft conditional gates decide, per input, which paths run; closed paths and unreachable
/// cells are skipped at run time through ONNX <c>If</c>.
/// </summary>
/// <remarks>
/// Li, Song, Zhang, Zhang, Sun, Wang, "Learning Dynamic Routing for Semantic Segmentation", CVPR
/// 2020: a 3-layer stem reaches 1/4; a cell at scale s sums what the previous layer routed to it
/// (from s/2 down, s kept, 2s up), applies its operation (here a residual pair of 3x3 conv-BN),
/// and its gate, <c>max(0, tanh(FC(ReLU(FC(GAP(h))))))</c>, weights its three outgoing paths:
/// up (1x1 conv-BN-ReLU, bilinear x2), keep (identity), down (3x3 stride-2 conv-BN-ReLU). A gate
/// of exactly zero closes a path; the paper skips it and, when all of a cell's inputs are closed,
/// the whole cell, saving their FLOPs (its dynamic networks run 20-60% below their static
/// counterpart's cost). Here a path runs when its gate is open for any sample of the batch (closed
/// samples multiply by their zero gate), so batching stays exact. The decoder adds the last layer's
/// cells, brought to 1/4 by 1x1 convs and bilinear upsampling, to a 1x1 projection of the stem,
/// predicts one channel and upsamples it x4 to a sigmoid person mask. A second output,
/// <c>gates</c> [N, cells*3], exposes every gate (up, keep, down per cell; zeros for skipped cells).
/// The gates' last FC starts with non-negative weights and a negative bias (<see cref="GateBias"/>), so weakly activated
/// cells (flat, dark inputs) close paths and strongly activated ones (textured, bright) open them.
/// </remarks>
internal static class DynamicRoutingModels
{
    public const int Size = 128;
    public const int Layers = 6;
    public const int Scales = 4;
    public const float GateBias = -1f;
    private const int BaseWidth = 32;
    private const int DecoderWidth = 32;

    public static ModelProto Segmentation(int seed)
    {
        var (layers, input) = DpnModels.Start("dynroute_seg", seed, Size);
        var g = layers.G;
        var stem = layers.ConvBnRelu(layers.ConvBnRelu(layers.ConvBnRelu(input, 3, 16, 3, stride: 2), 16, 16, 3), 16, BaseWidth, 3, stride: 2);
        var router = new Router(layers);

        // routed[s]: what the previous layer sends to scale s (null: nothing can reach it).
        var routed = new List<Routed>?[Scales];
        routed[0] = [new Routed(stem, null)];
        var gateOutputs = new List<string>();
        string? zerosN3 = null;
        for (var layer = 0; layer < Layers; layer++)
        {
            var next = new List<Routed>?[Scales];
            for (var s = 0; s < Scales; s++)
            {
                if (routed[s] is not { } inputs)
                {
                    continue;
                }

                var last = layer == Layers - 1;
                var cell = router.Cell(inputs, s, gated: !last);
                if (last)
                {
                    router.Finals.Add((cell, s));
                    continue;
                }

                zerosN3 ??= g.Mul(cell.Gates!, g.Scalar("zero", 0f));
                gateOutputs.Add(g.Add(cell.Gates!, zerosN3));
                foreach (var (target, value) in router.Paths(cell, s))
                {
                    (next[target] ??= []).Add(value);
                }
            }

            routed = next;
        }

        var mask = router.Decode(stem);
        var gates = g.Concat(1, [.. gateOutputs]);
        var model = DpnModels.Finish(layers, mask, "mask", ["batch", 1, Size, Size], "dynroute_seg");
        g.Identity(gates);
        g.Graph.Node[^1].Output[0] = "gates";
        g.Output("gates", OnnxDataType.Float, "batch", gateOutputs.Count * 3);
        return model;
    }

    /// <summary>Channels at scale index s (0: 1/4 .. 3: 1/32).</summary>
    public static int Width(int scale) => BaseWidth << scale;

    public static int Side(int scale) => Size / 4 >> scale;
}

namespace Serving.Models.Zoo;

/// <summary>The hyper-parameters that define one Dual Path Network.</summary>
/// <param name="Name">Short name, e.g. dpn92.</param>
/// <param name="SmallStem">3x3 stem convolution and a base width of 64 per stage (DPN-68) instead of 7x7 and 256.</param>
/// <param name="StemChannels">Channels of the stem convolution.</param>
/// <param name="KR">k_R: width of the bottleneck of the first stage (it doubles per stage).</param>
/// <param name="Groups">G: groups of the 3x3 convolution.</param>
/// <param name="Blocks">Blocks per stage (conv2..conv5).</param>
/// <param name="Increments">Channels each block adds to the densely connected path, per stage.</param>
/// <remarks>
/// Chen, Li, Xiao, Jin, Yan, Feng, "Dual Path Networks", NeurIPS 2017, Table 1: DPN-68 12.8M
/// params (12.6M in the reference code's count) and 2.5 GFLOPs, DPN-92 37.7M and 6.5 GFLOPs,
/// DPN-131 79.5M and 16.0 GFLOPs at 224x224 (FLOPs meaning multiply-adds).
/// </remarks>
internal sealed record DpnConfig(string Name, bool SmallStem, int StemChannels, int KR, int Groups, int[] Blocks, int[] Increments)
{
    public static DpnConfig Dpn68 { get; } = new("dpn68", true, 10, 128, 32, [3, 4, 12, 3], [16, 32, 32, 64]);

    public static DpnConfig Dpn92 { get; } = new("dpn92", false, 64, 96, 32, [3, 4, 20, 3], [16, 32, 24, 128]);

    public static DpnConfig Dpn131 { get; } = new("dpn131", false, 128, 160, 40, [4, 8, 28, 3], [16, 32, 32, 128]);

    /// <summary>Output width of stage <paramref name="stage"/>'s residual path: 64/128/256/512 times 1 (small) or 4.</summary>
    public int ResidualWidth(int stage) => (64 << stage) * (SmallStem ? 1 : 4);

    /// <summary>Bottleneck width of stage <paramref name="stage"/>: k_R scaled like the residual width.</summary>
    public int BottleneckWidth(int stage) => KR << stage;
}

using Serving.Models.Onnx.Proto;

namespace Serving.Models.Zoo;

/// <summary>
/// Builds the project's synthetic models (architectures reproduced from their papers, weights
/// drawn from a seed): the same name and seed always give the same bytes.
/// </summary>
/// <remarks>
/// Served names take a batch of 3-channel images (<c>input</c>, NCHW, symbolic <c>batch</c>):
/// <c>*_face</c> at 112x112 give a 512-d <c>embedding</c> to L2-normalise, <c>*_seg</c> give a
/// person <c>mask</c> probability at input resolution. The <c>*_cls224</c> names are the papers'
/// ImageNet configurations (224x224, 1000 classes), built to check parameters and multiply-adds
/// against the published figures, not to serve.
/// </remarks>
public static class ModelZoo
{
    private static readonly Dictionary<string, Func<int, ModelProto>> Builders = new(StringComparer.Ordinal)
    {
        ["dpn68_face"] = seed => DpnModels.Face(DpnConfig.Dpn68, seed),
        ["dpn92_face"] = seed => DpnModels.Face(DpnConfig.Dpn92, seed),
        ["dpn131_face"] = seed => DpnModels.Face(DpnConfig.Dpn131, seed),
        ["dpn68_seg"] = seed => DpnModels.Segmentation(DpnConfig.Dpn68, seed),
        ["weightnet_face"] = seed => WeightNetModels.Face(seed),
        ["weightnet_cls224"] = seed => WeightNetModels.Classifier(seed),
        ["dynroute_seg"] = seed => DynamicRoutingModels.Segmentation(seed),
        ["dpn68_cls224"] = seed => DpnModels.Classifier(DpnConfig.Dpn68, seed),
        ["dpn92_cls224"] = seed => DpnModels.Classifier(DpnConfig.Dpn92, seed),
        ["dpn131_cls224"] = seed => DpnModels.Classifier(DpnConfig.Dpn131, seed),
    };

    /// <summary>Every name <see cref="Build"/> accepts.</summary>
    public static IReadOnlyCollection<string> Names => Builders.Keys;

    /// <exception cref="ArgumentException">Unknown <paramref name="name"/>; the message lists the known ones.</exception>
    public static ModelProto Build(string name, int seed)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return Builders.TryGetValue(name, out var build)
            ? build(seed)
            : throw new ArgumentException($"unknown zoo model '{name}'; known: {string.Join(", ", Builders.Keys.Order(StringComparer.Ordinal))}", nameof(name));
    }
}

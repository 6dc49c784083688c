namespace Serving.Worker.Repository;

/// <summary>One problem in a model configuration, located by its JSON path.</summary>
/// <param name="Path">Where, e.g. <c>dynamic_batching.preferred_batch_size[1]</c>; empty for the whole file.</param>
/// <param name="Message">What is wrong and what is expected.</param>
public sealed record ConfigError(string Path, string Message)
{
    /// <inheritdoc />
    public override string ToString() => Path.Length == 0 ? Message : $"{Path}: {Message}";
}

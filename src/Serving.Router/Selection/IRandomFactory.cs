namespace Serving.Router.Selection;

/// <summary>Supplies random sources, so that tests can seed them.</summary>
public interface IRandomFactory
{
    /// <summary>A random source for one decision (not shared across threads unless it is thread-safe).</summary>
    Random Create();
}

/// <summary>The production factory: the thread-safe <see cref="Random.Shared"/>.</summary>
internal sealed class SharedRandomFactory : IRandomFactory
{
    public static SharedRandomFactory Instance { get; } = new();

    public Random Create() => Random.Shared;
}

using Serving.Router.Selection;

namespace Serving.Router.Tests.Infrastructure;

/// <summary>One seeded <see cref="Random"/> shared by every decision, so a test's sequence of choices is reproducible.</summary>
internal sealed class SeededRandomFactory(int seed = 42) : IRandomFactory
{
    private readonly Random _random = new(seed);

    public Random Create() => _random;
}

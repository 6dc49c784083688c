using Serving.Router.Selection;

namespace Serving.Router.Tests.Selection;

public sealed class VariantSelectorsTests
{
    [Theory]
    [InlineData("slo-aware", "slo-aware")]
    [InlineData("Always-Best", "always-best")]
    [InlineData("always-cheapest", "always-cheapest")]
    [InlineData("fixed:DPN-92", "fixed:DPN-92")]
    public void Create_KnownName_PolicyOfThatName(string name, string expected)
    {
        Assert.Equal(expected, VariantSelectors.Create(name).Name);
    }

    [Theory]
    [InlineData("fastest")]
    [InlineData("fixed:")]
    public void Create_UnknownName_ErrorListsTheChoices(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => VariantSelectors.Create(name));

        Assert.Contains("always-cheapest", error.Message, StringComparison.Ordinal);
    }
}

using Serving.Router.Selection;

namespace Serving.Router.Resilience;

/// <summary>A retry or hedge found no worker to go to; never retried.</summary>
internal sealed class SelectionRejectedException(VariantChoice choice) : Exception(choice.Reason)
{
    public VariantChoice Choice { get; } = choice;
}

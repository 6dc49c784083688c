namespace Serving.Router.Selection;

/// <summary>Tuning of the SLO-aware selector and the worker picker.</summary>
public sealed class SelectorOptions
{
    /// <summary>Router-to-worker-and-back network time added to every prediction.</summary>
    public TimeSpan NetworkAllowance { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Above this many candidate workers, pick the better of two random ones instead of the best of all.</summary>
    public int PowerOfTwoThreshold { get; set; } = 3;
}

using Serving.Grpc;

namespace Serving.Router.Selection;

/// <summary>The outcome of a selection: a variant and worker to use, or a rejection with a status and reason.</summary>
public sealed record VariantChoice
{
    private VariantChoice(VariantInfo? variant, string? worker, TimeSpan predicted, StatusCode code, string reason)
    {
        Variant = variant;
        Worker = worker;
        PredictedCompletion = predicted;
        Code = code;
        Reason = reason;
    }

    /// <summary>The chosen variant; null when rejected.</summary>
    public VariantInfo? Variant { get; }

    /// <summary>The chosen worker's id; null when rejected.</summary>
    public string? Worker { get; }

    /// <summary>Predicted time from now to the answer on the chosen worker.</summary>
    public TimeSpan PredictedCompletion { get; }

    /// <summary><see cref="StatusCode.OK"/> for a use; the status to answer with for a rejection.</summary>
    public StatusCode Code { get; }

    /// <summary>Why (a bounded vocabulary, see <see cref="SelectionReasons"/>, optionally followed by ":" and a variant name).</summary>
    public string Reason { get; }

    /// <summary>
    /// For a rejection because nothing fits the budget: the fastest option there was (variant,
    /// worker and its predicted completion), so the caller's status can say by how much it missed.
    /// </summary>
    public (string Variant, string Worker, TimeSpan Predicted)? FastestOption { get; private init; }

    /// <summary>Whether the request must be rejected.</summary>
    public bool IsRejected => Code != StatusCode.OK;

    /// <summary>Serve with <paramref name="variant"/> on <paramref name="worker"/>.</summary>
    public static VariantChoice Use(VariantInfo variant, string worker, TimeSpan predictedCompletion, string reason)
    {
        ArgumentNullException.ThrowIfNull(variant);
        ArgumentException.ThrowIfNullOrEmpty(worker);
        return new(variant, worker, predictedCompletion, StatusCode.OK, reason);
    }

    /// <summary>Reject with <paramref name="code"/> (not OK) and <paramref name="reason"/>.</summary>
    public static VariantChoice Reject(StatusCode code, string reason)
    {
        if (code == StatusCode.OK)
        {
            throw new ArgumentException("A rejection needs a non-OK status.", nameof(code));
        }

        return new(null, null, TimeSpan.Zero, code, reason);
    }

    /// <summary>Reject with <paramref name="code"/> and <paramref name="reason"/>, naming the fastest option that did not fit.</summary>
    public static VariantChoice Reject(StatusCode code, string reason, VariantInfo fastest, string worker, TimeSpan predicted) =>
        Reject(code, reason) with { FastestOption = (fastest.Name, worker, predicted) };

    /// <inheritdoc />
    public override string ToString() =>
        IsRejected ? $"Reject({Code}, {Reason})" : $"Use({Variant!.Name}, {Worker}, {PredictedCompletion.TotalMilliseconds:0.###} ms, {Reason})";
}

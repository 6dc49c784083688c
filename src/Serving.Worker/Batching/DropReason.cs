namespace Serving.Worker.Batching;

/// <summary>Why a request was completed without being computed.</summary>
public enum DropReason
{
    /// <summary>Its priority queue was full when it arrived (RESOURCE_EXHAUSTED, "queue_full").</summary>
    QueueFull,

    /// <summary>Its deadline or queue timeout passed while it waited (DEADLINE_EXCEEDED).</summary>
    DeadlineExceeded,

    /// <summary>Its deadline can no longer be met even if it ran alone now (DEADLINE_EXCEEDED).</summary>
    DeadlineUnattainable,

    /// <summary>The caller cancelled it (CANCELLED).</summary>
    Cancelled,

    /// <summary>It asks for more batch elements than the model's max_batch_size (INVALID_ARGUMENT).</summary>
    BatchTooLarge,

    /// <summary>The batcher is draining or disposed (UNAVAILABLE).</summary>
    ShuttingDown,

    /// <summary>The batch handler failed without completing it (INTERNAL).</summary>
    ExecutionFailed,
}

/// <summary>Maps a <see cref="DropReason"/> to the gRPC status and metric label it is reported with.</summary>
public static class DropReasons
{
    /// <summary>The gRPC status code number (as in grpc/status.h) the request completes with.</summary>
    public static int GrpcStatusCode(this DropReason reason) => reason switch
    {
        DropReason.QueueFull => 8,
        DropReason.DeadlineExceeded or DropReason.DeadlineUnattainable => 4,
        DropReason.Cancelled => 1,
        DropReason.BatchTooLarge => 3,
        DropReason.ShuttingDown => 14,
        _ => 13,
    };

    /// <summary>The bounded <c>reason</c> label and status detail, e.g. <c>queue_full</c>.</summary>
    public static string Label(this DropReason reason) => reason switch
    {
        DropReason.QueueFull => "queue_full",
        DropReason.DeadlineExceeded => "deadline_exceeded",
        DropReason.DeadlineUnattainable => "deadline_unattainable",
        DropReason.Cancelled => "cancelled",
        DropReason.BatchTooLarge => "batch_too_large",
        DropReason.ShuttingDown => "shutting_down",
        _ => "execution_failed",
    };
}

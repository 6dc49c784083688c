using Serving.Grpc;
using Serving.Router.Remote;
using Serving.Router.Selection;

namespace Serving.Router.Tasks;

/// <summary>One admitted front-end request: its class, budget, the variant and worker selection chose, and the runner its pipeline calls.</summary>
/// <param name="Task">Catalogue task.</param>
/// <param name="Slo">The request's SLO class.</param>
/// <param name="Deadline">When the answer is due (the gRPC deadline, else receipt + the class budget).</param>
/// <param name="Choice">The selection (never a rejection).</param>
/// <param name="Runner">Runs the pipeline's models on workers, starting with the chosen worker for the chosen variant.</param>
/// <param name="StartedTimestamp">Receipt, as <see cref="TimeProvider.GetTimestamp"/>.</param>
internal sealed record Admission(string Task, SloClass Slo, DateTimeOffset Deadline, VariantChoice Choice, RemoteModelRunner Runner, long StartedTimestamp)
{
    /// <summary>What selection was asked (null for a model outside the catalogue): a rescue asks again with what is left.</summary>
    public SelectionRequest? Selection { get; init; }

    /// <summary>Whether this is a rescue: a cheaper variant sent when the first choice ran late or was shed.</summary>
    public bool Rescue { get; init; }

    /// <summary>The chosen variant.</summary>
    public VariantInfo Variant => Choice.Variant!;

    /// <summary>The status code a failure of this request reports, and whether it is the caller's fault.</summary>
    public static StatusCode CodeOf(Exception ex) => ex switch
    {
        RpcException rpc => rpc.StatusCode,
        OperationCanceledException => StatusCode.Cancelled,
        _ => StatusCode.Internal,
    };
}

namespace Serving.Grpc.Internal;

/// <summary>The type-erased view of a client call that the public call objects delegate to.</summary>
internal interface IClientCall : IDisposable
{
    Task<Metadata> ResponseHeadersAsync { get; }

    Status GetStatus();

    Metadata GetTrailers();
}

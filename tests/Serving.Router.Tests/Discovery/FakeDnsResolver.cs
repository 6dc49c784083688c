using System.Net;
using Serving.Router.Discovery;

namespace Serving.Router.Tests.Discovery;

/// <summary>Answers with whatever the test set last; can fail on demand.</summary>
internal sealed class FakeDnsResolver : IDnsResolver
{
    private IPAddress[] _addresses = [];
    private Exception? _failure;

    public int Calls { get; private set; }

    public void Set(params string[] addresses)
    {
        _addresses = addresses.Select(IPAddress.Parse).ToArray();
        _failure = null;
    }

    public void Fail(Exception failure) => _failure = failure;

    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        Calls++;
        return _failure is null ? Task.FromResult(_addresses) : Task.FromException<IPAddress[]>(_failure);
    }
}

using Serving.Grpc;
using Serving.Router.Selection;

namespace Serving.Router.Tests.Resilience;

/// <summary>Workers in a fixed preference order whose answers the test scripts; selection takes the first one not avoided.</summary>
internal sealed class FakeWorkers
{
    private static readonly VariantInfo Variant = new("selfie", "person-segmentation", 0.87);

    private readonly string[] _order;
    private readonly Dictionary<string, Func<CancellationToken, Task<string>>> _behaviour = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TaskCompletionSource> _started = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public FakeWorkers(params string[] order)
    {
        _order = order;
        foreach (var worker in order)
        {
            Answer(worker);
            _started[worker] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public List<string> Calls { get; } = [];

    public List<IReadOnlySet<string>> Avoided { get; } = [];

    public List<DateTimeOffset> Deadlines { get; } = [];

    public List<CancellationToken> Tokens { get; } = [];

    public void Answer(string worker) => _behaviour[worker] = _ => Task.FromResult(worker);

    public void Fail(string worker, StatusCode code) => _behaviour[worker] = _ => Task.FromException<string>(new RpcException(new Status(code, worker + " failed")));

    public void Throw(string worker, Exception exception) => _behaviour[worker] = _ => Task.FromException<string>(exception);

    /// <summary>Never answers; completes cancelled when the attempt is cancelled.</summary>
    public void Stall(string worker) => _behaviour[worker] = async token =>
    {
        await Task.Delay(Timeout.Infinite, token);
        return worker;
    };

    /// <summary>Answers when <paramref name="release"/> completes (or is cancelled with the attempt).</summary>
    public void AnswerWhen(string worker, Task release) => _behaviour[worker] = async token =>
    {
        await release.WaitAsync(token);
        return worker;
    };

    public Task Started(string worker) => _started[worker].Task.WaitAsync(TimeSpan.FromSeconds(10));

    public VariantChoice Select(IReadOnlySet<string> avoid)
    {
        lock (_lock)
        {
            Avoided.Add(avoid);
        }

        var worker = _order.FirstOrDefault(w => !avoid.Contains(w));
        return worker is null
            ? VariantChoice.Reject(StatusCode.Unavailable, SelectionReasons.NoReadyWorker)
            : VariantChoice.Use(Variant, worker, TimeSpan.FromMilliseconds(10), SelectionReasons.BestFit);
    }

    public async ValueTask<string> CallAsync(VariantChoice choice, DateTimeOffset deadline, CancellationToken token)
    {
        var worker = choice.Worker!;
        Func<CancellationToken, Task<string>> behaviour;
        lock (_lock)
        {
            Calls.Add(worker);
            Deadlines.Add(deadline);
            Tokens.Add(token);
            behaviour = _behaviour[worker];
        }

        _started[worker].TrySetResult();
        return await behaviour(token);
    }
}

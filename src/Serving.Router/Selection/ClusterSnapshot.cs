using System.Collections.Immutable;

namespace Serving.Router.Selection;

/// <summary>An immutable view of every known worker and its load, rebuilt whenever a report arrives or this router sends a request.</summary>
/// <param name="Workers">Workers by id order.</param>
/// <param name="TakenAt">When the snapshot was built.</param>
public sealed record ClusterSnapshot(ImmutableArray<WorkerSnapshot> Workers, DateTimeOffset TakenAt)
{
    /// <summary>No workers.</summary>
    public static ClusterSnapshot Empty { get; } = new([], DateTimeOffset.MinValue);

    /// <summary>Workers that could serve <paramref name="model"/> now (reachable, model ready).</summary>
    public IEnumerable<(WorkerSnapshot Worker, ModelLoadSnapshot Load)> RoutableFor(string model)
    {
        foreach (var worker in Workers)
        {
            if (worker.RoutableModel(model) is { } load)
            {
                yield return (worker, load);
            }
        }
    }
}

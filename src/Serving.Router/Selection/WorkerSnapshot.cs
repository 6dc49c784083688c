using System.Collections.Frozen;

namespace Serving.Router.Selection;

/// <summary>One worker as the router last saw it.</summary>
/// <param name="Id">Worker id (its endpoint key).</param>
/// <param name="Reachable">Whether its load stream is up; an unreachable worker is not routable.</param>
/// <param name="Models">Hosted model versions by model name.</param>
public sealed record WorkerSnapshot(string Id, bool Reachable, FrozenDictionary<string, ModelLoadSnapshot> Models)
{
    /// <summary>Builds a snapshot from a list of model loads.</summary>
    public static WorkerSnapshot Create(string id, bool reachable, IEnumerable<ModelLoadSnapshot> models) =>
        new(id, reachable, models.ToFrozenDictionary(m => m.ModelName, StringComparer.Ordinal));

    /// <summary>The load of <paramref name="model"/> when this worker is reachable and reports it ready; else null.</summary>
    public ModelLoadSnapshot? RoutableModel(string model) =>
        Reachable && Models.TryGetValue(model, out var load) && load.Ready ? load : null;
}

namespace Serving.Router.Balancing;

/// <summary>A worker that can serve a variant, with its predicted completion time.</summary>
public readonly record struct WorkerCandidate(string Worker, TimeSpan Predicted);

using Serving.Protocol.Inference;

namespace Serving.Router.Frontend;

/// <summary>Merges the ModelStatistics of several workers into one cluster-wide answer (counts and durations summed per model version).</summary>
internal static class ClusterStatistics
{
    public static ModelStatisticsResponse Merge(IEnumerable<ModelStatisticsResponse> perWorker)
    {
        var merged = new ModelStatisticsResponse();
        foreach (var group in perWorker.SelectMany(r => r.ModelStats).GroupBy(s => (s.Name, s.Version)).OrderBy(g => g.Key.Name, StringComparer.Ordinal).ThenBy(g => g.Key.Version, StringComparer.Ordinal))
        {
            var total = new ModelStatistics { Name = group.Key.Name, Version = group.Key.Version, InferenceStats = new InferStatistics() };
            var batches = new SortedDictionary<ulong, InferBatchStatistics>();
            foreach (var stats in group)
            {
                total.LastInference = Math.Max(total.LastInference, stats.LastInference);
                total.InferenceCount += stats.InferenceCount;
                total.ExecutionCount += stats.ExecutionCount;
                if (stats.InferenceStats is { } infer)
                {
                    var t = total.InferenceStats;
                    t.Success = Add(t.Success, infer.Success);
                    t.Fail = Add(t.Fail, infer.Fail);
                    t.Queue = Add(t.Queue, infer.Queue);
                    t.ComputeInput = Add(t.ComputeInput, infer.ComputeInput);
                    t.ComputeInfer = Add(t.ComputeInfer, infer.ComputeInfer);
                    t.ComputeOutput = Add(t.ComputeOutput, infer.ComputeOutput);
                    t.CacheHit = Add(t.CacheHit, infer.CacheHit);
                    t.CacheMiss = Add(t.CacheMiss, infer.CacheMiss);
                }

                foreach (var batch in stats.BatchStats)
                {
                    if (!batches.TryGetValue(batch.BatchSize, out var b))
                    {
                        batches[batch.BatchSize] = b = new InferBatchStatistics { BatchSize = batch.BatchSize };
                    }

                    b.ComputeInput = Add(b.ComputeInput, batch.ComputeInput);
                    b.ComputeInfer = Add(b.ComputeInfer, batch.ComputeInfer);
                    b.ComputeOutput = Add(b.ComputeOutput, batch.ComputeOutput);
                }
            }

            total.BatchStats.AddRange(batches.Values);
            merged.ModelStats.Add(total);
        }

        return merged;
    }

    private static StatisticDuration? Add(StatisticDuration? a, StatisticDuration? b) =>
        b is null ? a : new StatisticDuration { Count = (a?.Count ?? 0) + b.Count, Ns = (a?.Ns ?? 0) + b.Ns };
}

namespace Serving.Router.Balancing;

/// <summary>Chooses among workers that can serve a variant by least predicted completion.</summary>
/// <remarks>
/// With few candidates (at most the threshold) every one is compared and the least predicted
/// completion wins (ties: the first, i.e. worker order). With more, the better of two distinct
/// random candidates wins ("power of two choices"): every router acts on reports that are up to a
/// report interval old, and always sending to the global minimum makes all routers pile onto the
/// same worker until the next report; two random choices keep almost all of the benefit of
/// least-loaded without the herd.
/// </remarks>
internal static class WorkerPicker
{
    /// <summary>The chosen candidate, or null when there is none.</summary>
    public static WorkerCandidate? Pick(IReadOnlyList<WorkerCandidate> candidates, Random random, int powerOfTwoThreshold)
    {
        switch (candidates.Count)
        {
            case 0:
                return null;
            case 1:
                return candidates[0];
        }

        if (candidates.Count <= Math.Max(2, powerOfTwoThreshold))
        {
            var best = candidates[0];
            for (var i = 1; i < candidates.Count; i++)
            {
                if (candidates[i].Predicted < best.Predicted)
                {
                    best = candidates[i];
                }
            }

            return best;
        }

        var first = random.Next(candidates.Count);
        var second = random.Next(candidates.Count - 1);
        if (second >= first)
        {
            second++;
        }

        return candidates[second].Predicted < candidates[first].Predicted ? candidates[second] : candidates[first];
    }
}

namespace Serving.Models.Evaluation;

/// <summary>Threshold-free verification metrics over scored, labelled pairs.</summary>
internal static class RocMetrics
{
    /// <summary>
    /// ROC AUC = probability that a random same pair scores above a random different pair (ties count half):
    /// the Mann-Whitney statistic, exact, no curve interpolation.
    /// </summary>
    public static double Auc(IReadOnlyList<double> same, IReadOnlyList<double> different)
    {
        if (same.Count == 0 || different.Count == 0)
        {
            return double.NaN;
        }

        double[] sortedDifferent = different.Order().ToArray();
        double wins = 0;
        foreach (double s in same)
        {
            int below = LowerBound(sortedDifferent, s);
            int notAbove = UpperBound(sortedDifferent, s);
            wins += below + 0.5 * (notAbove - below);
        }

        return wins / ((double)same.Count * different.Count);
    }

    /// <summary>
    /// True accept rate at the strictest threshold whose false accept rate is at most <paramref name="far"/>:
    /// accept when score exceeds the (k+1)-th highest different score, k = floor(far * #different).
    /// With fewer than 1/far different pairs this is the threshold "above every different pair".
    /// </summary>
    public static double TarAtFar(IReadOnlyList<double> same, IReadOnlyList<double> different, double far)
    {
        if (same.Count == 0 || different.Count == 0)
        {
            return double.NaN;
        }

        double[] descending = different.OrderDescending().ToArray();
        int allowed = (int)Math.Floor(far * descending.Length);
        double threshold = descending[Math.Min(allowed, descending.Length - 1)];
        return same.Count(s => s > threshold) / (double)same.Count;
    }

    private static int LowerBound(double[] sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (sorted[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private static int UpperBound(double[] sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (sorted[mid] <= value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}

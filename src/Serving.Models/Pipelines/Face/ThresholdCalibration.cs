namespace Serving.Models.Pipelines.Face;

/// <summary>Picks a verification threshold from labelled pairs.</summary>
/// <remarks>
/// The threshold maximising accuracy on the labelled set; among equally accurate thresholds, the midpoint
/// of the widest gap between neighbouring scores is taken, so the result does not sit on a training score
/// (less over-fitted to the set than "the score of the last correct pair"). Use a labelled set that is
/// not the traffic being judged; the dev set's number is then checked on other labelled data.
/// </remarks>
public static class ThresholdCalibration
{
    /// <summary>The best-accuracy threshold (a pair is "same" when score >= threshold) and that accuracy.</summary>
    /// <exception cref="ArgumentException">No pairs.</exception>
    public static (double Threshold, double Accuracy) Calibrate(IReadOnlyList<(double Score, bool Same)> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs.Count == 0)
        {
            throw new ArgumentException("Calibration needs at least one labelled pair.", nameof(pairs));
        }

        var sorted = pairs.OrderBy(p => p.Score).ToArray();
        int same = sorted.Count(p => p.Same);

        // Threshold between sorted[i-1] and sorted[i]: everything from i on is called "same".
        // Correct = different pairs below i + same pairs from i on.
        int differentBelow = 0, sameBelow = 0;
        int bestCorrect = -1;
        double bestThreshold = 0, bestGap = -1;
        for (int i = 0; i <= sorted.Length; i++)
        {
            if (i > 0)
            {
                if (sorted[i - 1].Same)
                {
                    sameBelow++;
                }
                else
                {
                    differentBelow++;
                }
            }

            // Only cut between distinct scores (ties must fall on one side).
            if (i > 0 && i < sorted.Length && sorted[i].Score == sorted[i - 1].Score)
            {
                continue;
            }

            int correct = differentBelow + (same - sameBelow);
            double low = i == 0 ? sorted[0].Score - 1e-3 : sorted[i - 1].Score;
            double high = i == sorted.Length ? sorted[^1].Score + 1e-3 : sorted[i].Score;
            double gap = high - low;
            if (correct > bestCorrect || (correct == bestCorrect && gap > bestGap))
            {
                bestCorrect = correct;
                bestGap = gap;
                bestThreshold = (low + high) / 2;
            }
        }

        return (bestThreshold, (double)bestCorrect / sorted.Length);
    }
}

namespace Serving.Worker.Statistics;

/// <summary>How <see cref="ServiceTimeRecorder"/> windows and estimates.</summary>
public sealed record ServiceTimeRecorderOptions
{
    /// <summary>Most recent samples kept per batch size.</summary>
    public int SamplesPerBatchSize { get; init; } = 256;

    /// <summary>Samples older than this leave the window, so the profile follows load and thermal drift.</summary>
    public TimeSpan MaxSampleAge { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The most recent samples that stay in the window however old they are, so an idle model keeps
    /// its last measured profile (a router cannot plan with a model that reports none); 0 = none.
    /// </summary>
    public int MinSamplesKept { get; init; } = 8;

    /// <summary>The percentile the batcher plans with, in (0, 1]; high, because late is worse than small.</summary>
    public double EstimatePercentile { get; init; } = 0.99;

    /// <summary>The estimate before anything was measured (e.g. from an offline profile).</summary>
    public TimeSpan DefaultEstimate { get; init; } = TimeSpan.FromMilliseconds(10);
}

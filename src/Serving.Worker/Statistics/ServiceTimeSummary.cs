namespace Serving.Worker.Statistics;

/// <summary>The measured service-time distribution of one batch size over the sliding window.</summary>
/// <param name="BatchSize">Batch elements per execution.</param>
/// <param name="P50">Median execution time.</param>
/// <param name="P99">99th percentile execution time.</param>
/// <param name="SampleCount">Executions in the window behind the percentiles.</param>
public sealed record ServiceTimeSummary(int BatchSize, TimeSpan P50, TimeSpan P99, int SampleCount);

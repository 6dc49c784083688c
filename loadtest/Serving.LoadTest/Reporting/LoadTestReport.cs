using System.Text.Json.Serialization;

namespace Serving.LoadTest.Reporting;

/// <summary>Everything a run measured; written as report.json (snake_case) and rendered as Markdown and HTML.</summary>
public sealed record LoadTestReport
{
    public required RunInfo Run { get; init; }
    public required Totals Totals { get; init; }
    public required LatencySummary Latency { get; init; }
    public required IReadOnlyList<ClassSummary> SloClasses { get; init; }
    public required IReadOnlyList<TaskSummary> Tasks { get; init; }
    public required IReadOnlyDictionary<string, long> Codes { get; init; }

    /// <summary>The most frequent failure messages, by code (what the clients were told).</summary>
    public IReadOnlyList<ErrorSummary> Errors { get; init; } = [];
    public required IReadOnlyList<VariantSummary> Variants { get; init; }
    public required IReadOnlyList<TimelinePoint> Timeline { get; init; }
    public required IReadOnlyList<FaultMark> Faults { get; init; }
    public required IReadOnlyList<string> Warnings { get; init; }
}

/// <summary>How the run was made.</summary>
public sealed record RunInfo(
    string Endpoint, DateTimeOffset StartedUtc, string Mode, string Schedule, double Rate, int? Concurrency,
    double DurationSeconds, double WarmupSeconds, long? MaxRequests, int Seed, string Mix, string Slo,
    string RouterSelector, IReadOnlyDictionary<string, string> Images);

/// <summary>Counts and rates over the measured window.</summary>
/// <param name="WindowSeconds">From the end of the warm-up to the last answer.</param>
/// <param name="Throughput">OK answers per second.</param>
/// <param name="Goodput">OK answers inside their SLO budget per second.</param>
/// <param name="Attainment">Share of sent requests answered OK inside their budget.</param>
/// <param name="AccuracyWeightedGoodput">Sum of the serving variants' quality over answers inside their budget, per second.</param>
public sealed record Totals(
    long Sent, long Ok, long Failed, long InSlo, double WindowSeconds, double OfferedRate, double Throughput, double Goodput,
    double Attainment, double AccuracyWeightedGoodput);

/// <summary>Latency of OK answers from their scheduled send time, milliseconds.</summary>
public sealed record LatencySummary(long Count, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MeanMs, double MaxMs);

/// <summary>Per SLO class.</summary>
public sealed record ClassSummary(string Name, double BudgetMs, long Sent, long Ok, long InSlo, double Attainment, double P50Ms, double P99Ms);

/// <summary>Per task.</summary>
public sealed record TaskSummary(string Task, long Sent, long Ok, long InSlo, double Attainment, double P50Ms, double P99Ms, double AccuracyWeightedGoodput);

/// <summary>Failures that carried the same status code and message.</summary>
public sealed record ErrorSummary(string Code, string Message, long Count);

/// <summary>Answers per serving variant, with the quality the router's catalogue gives it.</summary>
public sealed record VariantSummary(string Variant, long Count, double Share, double? Quality);

/// <summary>One second of the measured window, by scheduled send time.</summary>
public sealed record TimelinePoint(
    double T, long Sent, long Ok, long InSlo, long Errors, double P50Ms, double P99Ms,
    IReadOnlyDictionary<string, double> Attainment, IReadOnlyDictionary<string, long> Variants);

/// <summary>A fault the run injected (times from the start of the run, warm-up included).</summary>
public sealed record FaultMark(double T, string Action, int ProcessId, bool Done, string Result);

/// <summary>JSON shape of the report.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(LoadTestReport))]
[JsonSerializable(typeof(string))]
public sealed partial class ReportJsonContext : JsonSerializerContext;

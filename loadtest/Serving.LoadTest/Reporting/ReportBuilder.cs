using Serving.Grpc;
using Serving.LoadTest.Faults;
using Serving.LoadTest.Measurement;
using Serving.LoadTest.Running;
using Serving.LoadTest.Workload;

namespace Serving.LoadTest.Reporting;

/// <summary>Summarises measured outcomes into a <see cref="LoadTestReport"/>.</summary>
internal static class ReportBuilder
{
    /// <summary>How many distinct failure messages the report keeps.</summary>
    public const int MaxErrorMessages = 10;

    public static LoadTestReport Build(
        RunInfo run, IReadOnlyList<RequestOutcome> outcomes, IReadOnlyList<SloClass> classes, IReadOnlyDictionary<string, double> qualities,
        TimeSpan warmup, IReadOnlyList<FaultEvent> faults, IReadOnlyList<string> warnings)
    {
        var ok = outcomes.Where(o => o.Code == StatusCode.OK).ToList();
        var inSlo = outcomes.Where(o => o.InSlo).ToList();
        var end = outcomes.Count == 0 ? warmup : outcomes.Max(o => o.Scheduled + o.Latency);
        var window = Math.Max((end - warmup).TotalSeconds, 1e-3);
        double Quality(RequestOutcome o) => qualities.TryGetValue(o.Variant, out var q) ? q : 0;

        var totals = new Totals(
            outcomes.Count, ok.Count, outcomes.Count - ok.Count, inSlo.Count, window, outcomes.Count / window, ok.Count / window,
            inSlo.Count / window, Share(inSlo.Count, outcomes.Count), inSlo.Sum(Quality) / window);

        var all = Histogram(ok);
        var latency = new LatencySummary(all.Count, all.QuantileMillis(0.5), all.QuantileMillis(0.9), all.QuantileMillis(0.99),
            all.QuantileMillis(0.999), all.MeanMicros / 1000, all.Count == 0 ? 0 : all.MaxMicros / 1000.0);

        var classSummaries = classes
            .Select(c =>
            {
                var of = outcomes.Where(o => o.Slo == c.Name).ToList();
                var h = Histogram(of.Where(o => o.Code == StatusCode.OK));
                var good = of.Count(o => o.InSlo);
                return new ClassSummary(c.Name, c.Budget.TotalMilliseconds, of.Count, of.Count(o => o.Code == StatusCode.OK), good,
                    Share(good, of.Count), h.QuantileMillis(0.5), h.QuantileMillis(0.99));
            })
            .ToList();

        var taskSummaries = outcomes.GroupBy(o => o.Task).OrderBy(g => g.Key)
            .Select(g =>
            {
                var h = Histogram(g.Where(o => o.Code == StatusCode.OK));
                var good = g.Where(o => o.InSlo).ToList();
                return new TaskSummary(g.Key.Name(), g.Count(), g.Count(o => o.Code == StatusCode.OK), good.Count, Share(good.Count, g.Count()),
                    h.QuantileMillis(0.5), h.QuantileMillis(0.99), good.Sum(Quality) / window);
            })
            .ToList();

        var codes = outcomes.GroupBy(o => o.Code.ToString()).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (long)g.Count());

        // Messages can carry per-request numbers, so only the most frequent few are kept.
        var errors = outcomes.Where(o => o.Code != StatusCode.OK)
            .GroupBy(o => (Code: o.Code.ToString(), o.Detail))
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key.Code, StringComparer.Ordinal).ThenBy(g => g.Key.Detail, StringComparer.Ordinal)
            .Take(MaxErrorMessages)
            .Select(g => new ErrorSummary(g.Key.Code, g.Key.Detail, g.Count()))
            .ToList();

        var variants = ok.GroupBy(o => o.Variant).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new VariantSummary(g.Key, g.Count(), Share(g.Count(), ok.Count), qualities.TryGetValue(g.Key, out var q) ? q : null))
            .ToList();

        var timeline = outcomes.GroupBy(o => (int)Math.Floor((o.Scheduled - warmup).TotalSeconds)).OrderBy(g => g.Key)
            .Select(g =>
            {
                var h = Histogram(g.Where(o => o.Code == StatusCode.OK));
                var attainment = g.GroupBy(o => o.Slo).OrderBy(c => c.Key, StringComparer.Ordinal)
                    .ToDictionary(c => c.Key, c => Share(c.Count(o => o.InSlo), c.Count()));
                var mix = g.Where(o => o.Code == StatusCode.OK).GroupBy(o => o.Variant).OrderBy(v => v.Key, StringComparer.Ordinal)
                    .ToDictionary(v => v.Key, v => (long)v.Count());
                return new TimelinePoint((warmup.TotalSeconds + g.Key), g.Count(), g.Count(o => o.Code == StatusCode.OK), g.Count(o => o.InSlo),
                    g.Count(o => o.Code != StatusCode.OK), h.QuantileMillis(0.5), h.QuantileMillis(0.99), attainment, mix);
            })
            .ToList();

        return new LoadTestReport
        {
            Run = run,
            Totals = totals,
            Latency = latency,
            SloClasses = classSummaries,
            Tasks = taskSummaries,
            Codes = codes,
            Errors = errors,
            Variants = variants,
            Timeline = timeline,
            Faults = faults.Select(f => new FaultMark(f.At.TotalSeconds, f.Action, f.ProcessId, f.Done, f.Result)).ToList(),
            Warnings = warnings,
        };
    }

    private static double Share(long part, long whole) => whole == 0 ? 0 : (double)part / whole;

    private static LatencyHistogram Histogram(IEnumerable<RequestOutcome> outcomes)
    {
        var h = new LatencyHistogram();
        foreach (var o in outcomes)
        {
            h.Record(o.Latency);
        }

        return h;
    }
}

using System.Collections.Immutable;
using Serving.Protocol.V1;
using Serving.Router.Selection;

namespace Serving.Router.Workers;

/// <summary>Turns a worker's <see cref="LoadReport"/> into selection snapshots.</summary>
internal static class LoadReportConversion
{
    /// <summary>The model loads of <paramref name="report"/>, each with what this router sent since and its calibration factor (by model name).</summary>
    public static IEnumerable<ModelLoadSnapshot> ToModelLoads(LoadReport report, Func<string, int> sentSinceReport, DateTimeOffset reportedAt, Func<string, double>? calibration = null)
    {
        foreach (var model in report.Models)
        {
            var profile = new ServiceTimeProfile(model.ServiceTimes.Select(s => new Selection.BatchServiceTime(
                (int)s.BatchSize,
                TimeSpan.FromMicroseconds(s.P50Us),
                TimeSpan.FromMicroseconds(s.P99Us))));
            yield return new ModelLoadSnapshot(
                model.ModelName,
                model.ModelVersion,
                model.Ready,
                model.QueueLengthPerPriority.Select(q => (int)Math.Min(q, int.MaxValue)).ToImmutableArray(),
                (int)Math.Min(model.InFlightBatches, int.MaxValue),
                (int)Math.Clamp(model.MaxBatchSize, 1, int.MaxValue),
                (int)Math.Clamp(model.InstanceCount, 1, int.MaxValue),
                profile,
                sentSinceReport(model.ModelName))
            {
                Running = model.InFlight.Select(b => new InFlightBatchSnapshot((int)Math.Clamp(b.BatchSize, 1, int.MaxValue), TimeSpan.FromMicroseconds(b.ElapsedUs))).ToImmutableArray(),
                ReportedAt = reportedAt,
                Calibration = calibration?.Invoke(model.ModelName) ?? 1,
            };
        }
    }
}
